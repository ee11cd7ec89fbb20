export { retire as default } from "./meterChange.js";
