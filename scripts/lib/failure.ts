/**
 * The shapes of the errors a command refuses with one line and no stack trace. Each domain keeps its own
 * class name (UsageError, ScenarioError, AuditInputError, …) by subclassing one of these: the name is
 * the subclass's, so `error.name` and the printed line stay what they were. A leaf module (it imports
 * nothing), so that every file of scripts/lib can use it without an import cycle.
 */

/** A refusal whose message is the whole story, e.g. "RPC http://… does not answer: …". */
export class OneLineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A mistake in one named field of the input: printed as "<field>: <reason>". */
export class FieldError extends OneLineError {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}
