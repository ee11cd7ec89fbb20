export { rotateKey as default } from "./meterChange.js";
