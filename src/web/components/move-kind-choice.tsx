/**
 * Emergency move or planned move (SPEC §5.1), as two radio buttons: arrow keys move between them,
 * and a screen reader reads the group's question with each answer.
 */
export function MoveKindChoice({
  action,
  finalSync,
  onChange,
}: {
  action: "promote" | "demote";
  finalSync: boolean;
  onChange: (finalSync: boolean) => void;
}) {
  return (
    <fieldset class="choice">
      <legend>How to {action}</legend>
      <label class="radio">
        <input
          type="radio"
          name="move-kind"
          value="emergency"
          checked={!finalSync}
          onChange={() => onChange(false)}
        />
        <span>
          <strong>Emergency move</strong>: switch now; what the app wrote since the last replication is lost
        </span>
      </label>
      <label class="radio">
        <input
          type="radio"
          name="move-kind"
          value="final-sync"
          checked={finalSync}
          onChange={() => onChange(true)}
        />
        <span>
          <strong>With a final sync</strong> (planned move: no data lost): stop the app, copy its last writes,
          then switch
        </span>
      </label>
    </fieldset>
  );
}
