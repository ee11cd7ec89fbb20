export { verifyImport as default } from "./importOpening.js";
