/**
 * The write-ahead journal of one process: one JSON object per line, appended synchronously. A signed
 * transaction is journaled ("sent", with its raw bytes) before it is handed to the node, and its outcome
 * ("outcome") after the node answered, so a process killed at any point can resolve every transaction it
 * may have sent from its journal and the chain, and never signs a second one with the same nonce.
 * appendFileSync hands each line to the kernel before returning, so a SIGKILL cannot lose a written line;
 * a line cut short by a crash of the machine is skipped when reading.
 */
import { appendFileSync, existsSync, readFileSync } from "node:fs";

/** What an operation was for; `meta` carries its arguments (slot, side, quantity, order id...). */
export type OpKind =
  "place" | "cancel" | "withdraw" | "settle" | "certify" | "clear" | "readings" | "setup";

export interface SentEntry {
  t: "sent";
  op: string;
  kind: OpKind;
  account: string;
  nonce: number;
  hash: string;
  raw: string;
  meta: Record<string, string | number>;
}

export interface OutcomeEntry {
  t: "outcome";
  op: string;
  kind: OpKind;
  account: string;
  status: "accepted" | "failed";
  /** "preflight": refused by gas estimation, never signed; "mined": mined and reverted. */
  stage?: "preflight" | "mined";
  error?: string;
  hash?: string;
  nonce?: number;
  block?: number;
  gasUsed?: number;
  /** Order id (decimal) of an accepted placement, from its OrderPlaced event. */
  orderId?: string;
  /**
   * Set when the outcome was resolved after a restart: "receipt" when the transaction had been mined
   * before the process died, "resend" when the node first took it from the journaled bytes.
   */
  recovered?: "receipt" | "resend";
  /**
   * Set when a re-sent copy (after a timeout) was refused with "nonce too low" because the first copy
   * had been mined: the retry that would have been a double submission with a fresh nonce.
   */
  deduplicated?: true;
  meta: Record<string, string | number>;
}

export type JournalEntry = SentEntry | OutcomeEntry;

export class Journal {
  constructor(readonly path: string) {}

  append(entry: JournalEntry): void {
    appendFileSync(this.path, JSON.stringify(entry) + "\n");
  }

  read(): JournalEntry[] {
    return readJournal(this.path);
  }
}

export function readJournal(path: string): JournalEntry[] {
  if (!existsSync(path)) return [];
  const entries: JournalEntry[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    try {
      entries.push(JSON.parse(line) as JournalEntry);
    } catch {
      // a torn last line: its transaction was not handed to the node yet
    }
  }
  return entries;
}

/** The latest state of every operation: its outcome if it has one, else its "sent" entry. */
export function foldJournal(entries: JournalEntry[]): Map<string, JournalEntry> {
  const ops = new Map<string, JournalEntry>();
  for (const entry of entries) {
    const previous = ops.get(entry.op);
    if (previous?.t === "outcome") continue;
    ops.set(entry.op, entry);
  }
  return ops;
}
