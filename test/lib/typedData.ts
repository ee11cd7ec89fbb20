import { expect } from "chai";
import { TypedDataEncoder, Wallet } from "ethers";
import { ORDER_TYPES, orderDomain, signOrder } from "../../scripts/lib/orders.js";
import { TypedDataType, type TypedDataSigner } from "../../scripts/lib/typedData.js";

describe("scripts/lib/typedData", function () {
  const wallet = new Wallet("0x" + "42".repeat(32));
  const order = {
    trader: wallet.address,
    slot: 7n,
    side: 1,
    quantityWh: 1_234n,
    limitPrice: 150n,
    meter: "0x" + "ab".repeat(20),
    nonce: 3n,
    expiry: 1_800_000_000n,
  };
  const domains = [
    orderDomain("0x" + "11".repeat(20), 31337n),
    orderDomain("0x" + "22".repeat(20), 31337n),
    orderDomain("0x" + "11".repeat(20), 1n),
  ];

  it("gives ethers' digest for every domain, each separator cached apart", function () {
    const type = new TypedDataType(ORDER_TYPES);
    for (const domain of [...domains, ...domains]) {
      expect(type.digest(domain, order)).to.equal(
        TypedDataEncoder.hash(domain, ORDER_TYPES, order),
      );
    }
  });

  it("signs a local key's digest exactly as signTypedData does", async function () {
    for (const domain of domains) {
      const signed = await signOrder(wallet, domain, order);
      expect(signed.signature).to.equal(await wallet.signTypedData(domain, ORDER_TYPES, order));
    }
  });

  it("asks a signer without a local key for signTypedData", async function () {
    const asked: unknown[] = [];
    const remote: TypedDataSigner = {
      signTypedData: async (domain, types, value) => {
        asked.push(value);
        return wallet.signTypedData(domain, types, value);
      },
    };
    const signed = await signOrder(remote, domains[0]!, order);
    expect(asked).to.have.lengthOf(1);
    expect(signed.signature).to.equal(await wallet.signTypedData(domains[0]!, ORDER_TYPES, order));
  });
});
