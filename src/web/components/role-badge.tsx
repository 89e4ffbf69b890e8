import type { Role } from "../api/api-types";

const labels: Record<Role, string> = {
  primary: "Primary",
  backup: "On backup",
  mixed: "Mixed",
  unknown: "Unknown",
};

// A shape per role as well as a colour: the word and the mark read without colour.
const marks: Record<Role, string> = { primary: "●", backup: "◆", mixed: "▲", unknown: "?" };

export function RoleBadge({ role, node }: { role: Role; node?: string | null }) {
  return (
    <span class={`badge role-${role}`} data-role={role}>
      <span aria-hidden="true">{marks[role]}</span> {labels[role]}
      {node ? <span class="badge-node"> on {node}</span> : null}
    </span>
  );
}
