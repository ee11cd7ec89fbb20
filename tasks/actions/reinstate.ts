export { reinstate as default } from "./status.js";
