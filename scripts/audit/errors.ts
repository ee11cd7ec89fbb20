import { OneLineError } from "../lib/failure.js";

/** Bad input to the auditor (unknown network, no contract, RPC down, bad range): one line, exit code 2. */
export class AuditInputError extends OneLineError {}
