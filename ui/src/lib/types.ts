// Shapes the Rust IPC commands return (src-tauri/src/desktop/commands.rs).

export type Status =
  | "pending"
  | "detected"
  | "underpaid"
  | "paid"
  | "overpaid"
  | "paid_late"
  | "expired"
  | "canceled";

export interface AssetAmount {
  atomic: string;
  value: string;
}

export interface Payment {
  txHash: string;
  from: string;
  asset: { symbol: string; decimals: number; contract: string | null };
  amount: AssetAmount;
  /** Does not count towards the amount (another asset, beyond the amount, after the end). */
  extra: boolean;
  confirmations: number;
}

export interface CheckoutSession {
  id: string;
  status: Status;
  livemode: boolean;
  checkoutUrl: string;
  network: { id: string; chainId: number; name: string };
  asset: { symbol: string; decimals: number; contract: string | null };
  address: string;
  amount: AssetAmount;
  amountReceived: AssetAmount;
  /** What is still needed; the QR asks for exactly this. */
  amountDue: AssetAmount;
  fiat: { amount: string; currency: string };
  rate: string;
  paymentUri: string;
  confirmations: number;
  requiredConfirmations: number;
  payments: Payment[];
  expiresAt: string;
  createdAt: string;
  paidAt: string | null;
}

export interface SessionView {
  session: CheckoutSession;
  qrSvg: string;
}

export interface WalletInfo {
  xpub: string;
  addresses: { index: number; address: string }[];
  nextIndex: number;
  keychain: { state: "present" | "missing" | "unavailable"; detail?: string };
}

export interface AppInfo {
  storeName: string;
  currency: string;
  version: string;
  networks: { id: string; name: string; test: boolean; assets: string[] }[];
  /** Why the local API is off (its port could not be bound); sales still work. */
  apiError: string | null;
  apiUrl: string;
}

export interface IpcError {
  code: string;
  message: string;
  param: string | null;
}

export interface ChainStatus {
  network: string;
  chainId: number;
  connected: boolean;
  rpcUrl: string | null;
  head: number | null;
  processed: number | null;
  lag: number | null;
  error: string | null;
}
