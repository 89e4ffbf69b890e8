interface Issue {
  path: readonly PropertyKey[];
  message: string;
}

/** `service: must be a DNS-1123 label`, `limit: Too big...`, `body: Unrecognized key: "x"`. */
export function validationErrors(target: string, issues: readonly Issue[]): string[] {
  return issues.map((issue) => {
    const path = issue.path.map(String).join(".");
    const where = target === "json" ? (path === "" ? "body" : `body.${path}`) : path === "" ? target : path;
    return `${where}: ${issue.message}`;
  });
}
