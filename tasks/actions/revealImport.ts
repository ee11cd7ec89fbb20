export { revealImport as default } from "./importOpening.js";
