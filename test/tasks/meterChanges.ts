/**
 * The grid operator's meter changes by hand: `meter update`, `meter rotate-key`, `meter revoke-key` and
 * `meter retire` schedule a change from the slot `changeDelaySlots` after the current one, print that slot,
 * and leave the record of every earlier slot as it was; run against a `hardhat node` child process.
 */
import { expect } from "chai";
import { Wallet, ZeroAddress, toUtf8Bytes, zeroPadBytes } from "ethers";
import { ENUMS, enumObject } from "../../scripts/lib/enums.js";
import { expectOneLineError, startCommandNode, type CommandNode } from "./harness.js";

const zoneHex = (text: string) => zeroPadBytes(toUtf8Bytes(text), 8);
const MeterStatus = enumObject(ENUMS.meterStatus, ["Active", "Retired"]);

describe("meter change commands", function () {
  const deploymentId = `meter-changes-test-${process.pid}`;
  let bed: CommandNode;
  let owner: string;
  let newOwner: string;
  const run = (id: string | string[], args: Record<string, unknown> = {}) => bed.run(id, args);

  async function register(): Promise<string> {
    const meter = Wallet.createRandom().address;
    const registered = await run(["meter", "register"], {
      meter,
      owner,
      capacityKw: "10",
      zone: "MUC-1",
    });
    expect(registered.exitCode, registered.stderr).to.equal(0);
    return meter;
  }

  /** The slot a change made now applies from, and the current slot. */
  async function expectedFromSlot(): Promise<{ from: bigint; current: bigint }> {
    const { registry } = bed.suite;
    const current = await registry.currentSlot();
    return { from: current + (await registry.changeDelaySlots()), current };
  }

  before(async function () {
    bed = await startCommandNode(deploymentId);
    const signers = await bed.chain.ethers.getSigners();
    owner = signers[3]!.address;
    newOwner = signers[5]!.address;
  });

  after(async () => bed?.stop());

  it("schedules a new owner and capacity from the delay on, keeps the rest, and sets the zone at once", async function () {
    const { registry } = bed.suite;
    const meter = await register();
    const { from, current } = await expectedFromSlot();
    const updated = await run(["meter", "update"], {
      meter,
      owner: newOwner,
      capacityKw: "7.5",
      zone: "MUC-2",
    });
    expect(updated.exitCode, updated.stderr).to.equal(0);
    expect(updated.stdout).to.match(
      new RegExp(`^updated meter ${meter}: owner ${newOwner}, 7\\.5 kW, zone MUC-2 \\(tx 0x`),
    );
    expect(updated.stdout).to.include(`applies from slot ${from} (starts `);
    const pending = await registry.pendingChangeOf(meter);
    expect(pending.fromSlot).to.equal(from);
    expect(pending.owner).to.equal(newOwner);
    expect(pending.ratedCapacityW).to.equal(7_500n);
    // Every slot before the change keeps its owner of record and capacity.
    expect(await registry.ownerOfRecord(meter, current)).to.equal(owner);
    expect(await registry.ownerOfRecord(meter, from - 1n)).to.equal(owner);
    expect(await registry.ownerOfRecord(meter, from)).to.equal(newOwner);
    expect((await registry.meterOf(meter)).ratedCapacityW).to.equal(10_000n);
    expect((await registry.meterOf(meter)).zone).to.equal(zoneHex("MUC-2"));
  });

  it("rotates and revokes a key from the delay on, and merges a second change of the same slot", async function () {
    const { registry } = bed.suite;
    const meter = await register();
    const device = Wallet.createRandom().address;
    const { from } = await expectedFromSlot();
    const rotated = await run(["meter", "rotate-key"], { meter, signer: device });
    expect(rotated.exitCode, rotated.stderr).to.equal(0);
    expect(rotated.stdout).to.match(
      new RegExp(`rotated the key of meter ${meter}: 0x[0-9a-fA-F]{40} -> ${device}`),
    );
    expect((await registry.pendingChangeOf(meter)).signer).to.equal(device);
    expect((await registry.meterOf(meter)).signer).to.equal(meter);
    expect((await registry.meterOfSlot(meter, from)).signer).to.equal(device);
    // A second change in the same slot merges into the pending one: the revocation wins.
    const merged = await run(["meter", "revoke-key"], { meter });
    expect(merged.exitCode, merged.stderr).to.equal(0);
    expect((await registry.pendingChangeOf(meter)).signer).to.equal(ZeroAddress);
    expect((await registry.pendingChangeOf(meter)).fromSlot).to.equal(from);

    const other = await register();
    const revoked = await run(["meter", "revoke-key"], { meter: other });
    expect(revoked.exitCode, revoked.stderr).to.equal(0);
    expect(revoked.stdout).to.match(new RegExp(`^revoked key ${other} of meter ${other}`));
    expect((await registry.meterOfSlot(other, from - 1n)).signer).to.equal(other);
    expect((await registry.meterOfSlot(other, from)).signer).to.equal(ZeroAddress);
  });

  it("retires a meter for good from the delay on, earlier slots still active", async function () {
    const { registry } = bed.suite;
    const meter = await register();
    const { from, current } = await expectedFromSlot();
    const retired = await run(["meter", "retire"], { meter });
    expect(retired.exitCode, retired.stderr).to.equal(0);
    expect(retired.stdout).to.match(new RegExp(`^retired meter ${meter} \\(tx 0x`));
    expect(retired.stdout).to.include(`applies from slot ${from}`);
    const pending = await registry.pendingChangeOf(meter);
    expect(pending.retiring).to.equal(true);
    expect(pending.fromSlot).to.equal(from);
    expect((await registry.meterOfSlot(meter, current)).status).to.equal(
      BigInt(MeterStatus.Active),
    );
    expect((await registry.meterOfSlot(meter, from - 1n)).status).to.equal(
      BigInt(MeterStatus.Active),
    );
    expect((await registry.meterOfSlot(meter, from)).status).to.equal(BigInt(MeterStatus.Retired));
  });

  it("names the option of a usage error and refuses an account without the role", async function () {
    const meter = await register();
    expectOneLineError(await run(["meter", "update"], { meter }), /--owner.*at least one of/);
    expectOneLineError(
      await run(["meter", "update"], { meter, capacityKw: "0" }),
      /--capacity-kw.*above 0/,
    );
    expectOneLineError(await run(["meter", "rotate-key"], { meter }), /--signer.*required/);
    expectOneLineError(await run(["meter", "retire"], {}), /--meter.*required/);
    expectOneLineError(
      await run(["meter", "retire"], { meter, account: "6" }),
      /AccessControlUnauthorizedAccount\(account=0x[0-9a-fA-F]{40}, neededRole=GRID_OPERATOR_ROLE/,
    );
    expect((await bed.suite.registry.pendingChangeOf(meter)).fromSlot).to.equal(0n);
  });
});
