// A stand-in sale for laying out the sale screen once while the till starts: WebKit's first
// layout of that screen resolves every font it uses (each a fontconfig lookup on Linux) and took
// ~250 ms, which landed on the first real Enter → QR. Nothing here reaches the cashier's eyes.
import type { AppInfo, SaleSummary, SaleView } from "./gen/ipc";

const ADDRESS = "0x0000000000000000000000000000000000000000";

/** A pending sale on the shop's first network and asset, shaped like the engine's views. */
export function sampleSale(info: AppInfo, now: number): SaleView {
  const network = info.networks[0];
  const asset = network?.assets[0];
  const amount = { atomic: "1000000", value: "0.000001" };
  const zero = { atomic: "0", value: "0" };
  const id = "cs_prewarm";
  return {
    session: {
      id,
      object: "checkout_session",
      status: "pending",
      livemode: false,
      checkoutUrl: "",
      network: { id: network?.id ?? "", chainId: 0, name: network?.name ?? "" },
      asset: { symbol: asset?.symbol ?? "", decimals: asset?.decimals ?? 18, contract: null },
      address: ADDRESS,
      amount,
      amountReceived: zero,
      amountDue: amount,
      fiat: { amount: "0.00", currency: info.currency },
      rate: "1",
      paymentUri: "",
      confirmations: 1,
      requiredConfirmations: network?.confirmations ?? 1,
      payments: [],
      metadata: {},
      successUrl: null,
      expiresAt: new Date(now + 15 * 60_000).toISOString(),
      createdAt: new Date(now).toISOString(),
      paidAt: null,
    },
    qrSvg: sampleQr(),
    open: true,
    paid: false,
    overage: null,
    refundDue: null,
    extras: [],
  };
}

/** An SVG shaped like the engine's QR codes (one path of ~800 modules on a 41×41 grid), so the
 *  first real code is not the first such path WebKit paints. */
function sampleQr(): string {
  let d = "";
  for (let y = 0; y < 41; y++) for (let x = 0; x < 41; x++) if ((x * 7 + y * 13 + x * y) % 2 === 0) d += `M${x + 4} ${y + 4}h1v1h-1z`;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 49 49" shape-rendering="crispEdges"><rect width="100%" height="100%" fill="#fff"/><path fill="#000" d="${d}"/></svg>`;
}

/** The last-sales chip of `view` (a new shop's strip is empty until its first sale). */
export function sampleSummary(view: SaleView): SaleSummary {
  const s = view.session;
  return { id: s.id, status: s.status, fiat: s.fiat, amount: s.amount, asset: s.asset.symbol, createdAt: s.createdAt, livemode: false, extras: 1 };
}
