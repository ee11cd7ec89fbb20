/**
 * Reading untrusted scenario data field by field, so that every refusal names the field by its path
 * (`scenario.tariffs.feedIn`) and says what was expected and what was found.
 */
import { FieldError } from "../lib/failure.js";

/** A mistake in a scenario field: "<field>: <reason>", one line. */
export class ScenarioError extends FieldError {}

type Json = unknown;

function describe(value: Json): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") return `"${value}"`;
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  if (typeof value === "object") return "an object";
  return String(value);
}

export interface NumberRule {
  min?: number;
  max?: number;
  integer?: boolean;
}

/** A view on one object of the scenario, with its path and the keys it has been asked for. */
export class Fields {
  private readonly seen = new Set<string>();

  constructor(
    private readonly data: Record<string, Json>,
    readonly path: string,
  ) {}

  static of(value: Json, path: string): Fields {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new ScenarioError(path, `expected an object, got ${describe(value)}`);
    }
    return new Fields(value as Record<string, Json>, path);
  }

  at(key: string): string {
    return `${this.path}.${key}`;
  }

  has(key: string): boolean {
    return this.data[key] !== undefined;
  }

  raw(key: string): Json {
    this.seen.add(key);
    return this.data[key];
  }

  number(key: string, fallback: number | undefined, rule: NumberRule = {}): number {
    const value = this.raw(key) ?? fallback;
    const field = this.at(key);
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new ScenarioError(field, `expected a number, got ${describe(value)}`);
    }
    if (rule.integer && !Number.isInteger(value)) {
      throw new ScenarioError(field, `expected a whole number, got ${value}`);
    }
    if (rule.min !== undefined && value < rule.min) {
      throw new ScenarioError(field, `must be at least ${rule.min}, got ${value}`);
    }
    if (rule.max !== undefined && value > rule.max) {
      throw new ScenarioError(field, `must be at most ${rule.max}, got ${value}`);
    }
    return value;
  }

  optionalNumber(key: string, rule: NumberRule = {}): number | undefined {
    return this.has(key) ? this.number(key, undefined, rule) : (this.raw(key), undefined);
  }

  string(key: string, fallback: string | undefined, pattern?: RegExp, expected?: string): string {
    const value = this.raw(key) ?? fallback;
    const field = this.at(key);
    // Numbers are accepted where a decimal string is expected (prices written as 0.25).
    const text = typeof value === "number" ? String(value) : value;
    if (typeof text !== "string")
      throw new ScenarioError(field, `expected text, got ${describe(value)}`);
    if (pattern && !pattern.test(text)) {
      throw new ScenarioError(field, `expected ${expected ?? pattern.source}, got "${text}"`);
    }
    return text;
  }

  oneOf<T extends string>(key: string, fallback: T | undefined, choices: readonly T[]): T {
    const value = this.raw(key) ?? fallback;
    if (typeof value !== "string" || !(choices as readonly string[]).includes(value)) {
      throw new ScenarioError(
        this.at(key),
        `expected one of ${choices.join(", ")}, got ${describe(value)}`,
      );
    }
    return value as T;
  }

  object(key: string): Fields {
    const value = this.raw(key) ?? {};
    return Fields.of(value, this.at(key));
  }

  list(key: string): Json[] {
    const value = this.raw(key) ?? [];
    if (!Array.isArray(value))
      throw new ScenarioError(this.at(key), `expected a list, got ${describe(value)}`);
    return value;
  }

  /** Refuses keys that were never asked for: a misspelt field must not be silently ignored. */
  done(): void {
    for (const key of Object.keys(this.data)) {
      if (!this.seen.has(key)) {
        const known = [...this.seen].sort().join(", ");
        throw new ScenarioError(this.at(key), `unknown field (known here: ${known})`);
      }
    }
  }
}
