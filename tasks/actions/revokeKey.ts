export { revokeKey as default } from "./meterChange.js";
