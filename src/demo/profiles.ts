/**
 * The demo's applications and what their work usually costs: per message key the median
 * duration (ms) and the spread (sigma of the lognormal). Rules and traffic both derive from it.
 */
export interface KeyProfile {
  key: string;
  medianMs: number;
  sigma: number;
  /** Relative frequency among the app's standalone logs. */
  weight: number;
  message: string;
}

export interface AppProfile {
  app: string;
  keys: KeyProfile[];
}

export const DEMO_APPS: readonly AppProfile[] = [
  {
    app: 'checkout-api',
    keys: [
      { key: 'POST /checkout', medianMs: 180, sigma: 0.45, weight: 2, message: 'checkout completed' },
      { key: 'GET /cart', medianMs: 35, sigma: 0.4, weight: 6, message: 'cart served' },
      { key: 'POST /cart/items', medianMs: 60, sigma: 0.45, weight: 4, message: 'item added to cart' },
      { key: 'GET /orders/{id}', medianMs: 45, sigma: 0.5, weight: 3, message: 'order served' },
    ],
  },
  {
    app: 'payments-worker',
    keys: [
      { key: 'payment.authorize', medianMs: 240, sigma: 0.4, weight: 3, message: 'payment authorized' },
      { key: 'payment.capture', medianMs: 150, sigma: 0.35, weight: 2, message: 'payment captured' },
      { key: 'refund.process', medianMs: 400, sigma: 0.5, weight: 1, message: 'refund processed' },
    ],
  },
  {
    app: 'search-service',
    keys: [
      { key: 'search.query', medianMs: 70, sigma: 0.55, weight: 6, message: 'search answered' },
      { key: 'search.suggest', medianMs: 18, sigma: 0.4, weight: 5, message: 'suggestions served' },
      { key: 'index.update', medianMs: 350, sigma: 0.5, weight: 1, message: 'index updated' },
    ],
  },
  {
    app: 'notifications-queue',
    keys: [
      { key: 'email.send', medianMs: 420, sigma: 0.45, weight: 3, message: 'email handed to SMTP relay' },
      { key: 'push.send', medianMs: 90, sigma: 0.4, weight: 4, message: 'push notification sent' },
      { key: 'sms.send', medianMs: 600, sigma: 0.35, weight: 1, message: 'SMS sent' },
    ],
  },
];

export function profileOf(app: string, key: string): KeyProfile {
  const profile = DEMO_APPS.find((a) => a.app === app)?.keys.find((k) => k.key === key);
  if (!profile) throw new Error(`no demo profile for ${app} ${key}`);
  return profile;
}
