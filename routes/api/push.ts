/**
 * Web Push subscriptions (issue 18), mounted at /api/push: the site's VAPID public key and the
 * signed-in person's subscriptions (the service worker's `pushManager.subscribe`). Each person
 * sees and changes only their own. Push needs JavaScript: there is no form twin.
 */
import { Hono } from "hono";
import {
  checkSubscription,
  deleteSubscription,
  listSubscriptions,
  pushEndpointSchema,
  pushSubscriptionSchema,
  saveSubscription,
  vapidKeys,
} from "../../lib/notify/mod.ts";
import { sessionIdOf } from "../../lib/accounts/mod.ts";
import { hitRateLimit } from "../../lib/ops/mod.ts";
import { type Env, readBody, readSessionCookie, requireUser } from "../_http.ts";

/** Subscription changes a person makes per minute: a browser makes one per page at most. */
const SUBSCRIBE_LIMIT = { limit: 30, windowMs: 60_000 };

export const pushRoutes = new Hono<Env>()
  /** `{publicKey}`: the VAPID key (base64url, a 65-byte P-256 point) to subscribe with. */
  .get("/key", async (c) => {
    requireUser(c);
    const { publicKey } = await vapidKeys(c.get("ctx").kv);
    c.header("Cache-Control", "private, max-age=3600");
    return c.json({ publicKey });
  })
  /** `{subscriptions: [{endpoint, createdAt}]}`: this person's devices that take pushes. */
  .get("/subscriptions", async (c) => {
    const user = requireUser(c);
    const subs = await listSubscriptions(c.get("ctx").kv, user.id);
    return c.json({
      subscriptions: subs.map(({ endpoint, createdAt }) => ({ endpoint, createdAt })),
    });
  })
  /** `{endpoint, keys: {p256dh, auth}}` (PushSubscription.toJSON()) → 201. */
  .post("/subscriptions", async (c) => {
    const user = requireUser(c);
    const { kv, config } = c.get("ctx");
    await hitRateLimit(kv, ["push_subscribe", user.id], {
      ...SUBSCRIBE_LIMIT,
      scale: config.rateLimitScale,
    });
    const input = await readBody(c, pushSubscriptionSchema);
    const sub = checkSubscription(input, config.push.allowPrivate);
    const token = readSessionCookie(c);
    await saveSubscription(kv, user.id, {
      ...sub,
      ...(token ? { sessionId: await sessionIdOf(token) } : {}),
    });
    return c.json({ subscription: { endpoint: sub.endpoint, createdAt: sub.createdAt } }, 201);
  })
  /** `{endpoint}` → 204 (also when this person had no subscription there). */
  .delete("/subscriptions", async (c) => {
    const user = requireUser(c);
    const { endpoint } = await readBody(c, pushEndpointSchema);
    await deleteSubscription(c.get("ctx").kv, user.id, endpoint);
    return c.body(null, 204);
  });
