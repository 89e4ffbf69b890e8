export interface DoctorCheck {
  name: string;
  status: "pass" | "warn" | "fail" | "skip";
  detail: string;
}
