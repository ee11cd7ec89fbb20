/** Bad input to the auditor (unknown network, no contract, RPC down, bad range): one line, exit code 2. */
export class AuditInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AuditInputError";
  }
}
