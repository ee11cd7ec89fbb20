export { update as default } from "./meterChange.js";
