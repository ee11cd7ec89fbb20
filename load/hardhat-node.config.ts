/**
 * Configuration of the load test's `hardhat node` (passed with --config): a simulated L1 that gives blocks
 * mined within the same second the same timestamp. Hardhat's default makes every block one second later
 * than its parent, so at ~70 blocks per second chain time would run ~70 times faster than the wall clock
 * and close gates in the middle of a trading phase; with this, chain time follows the wall clock and moves
 * further only when the driver moves it (evm_increaseTime).
 */
import { defineConfig } from "hardhat/config";

export default defineConfig({
  networks: {
    node: {
      type: "edr-simulated",
      chainType: "l1",
      allowBlocksWithSameTimestamp: true,
    },
  },
});
