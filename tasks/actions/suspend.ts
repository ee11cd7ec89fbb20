export { suspend as default } from "./status.js";
