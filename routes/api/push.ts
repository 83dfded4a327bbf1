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
import { doc } from "../_openapi.ts";

/** Subscription changes a person makes per minute: a browser makes one per page at most. */
const SUBSCRIBE_LIMIT = { limit: 30, windowMs: 60_000 };

export const pushRoutes = new Hono<Env>()
  .get(
    "/key",
    doc({
      tag: "Push",
      summary: "The site's VAPID public key, to subscribe a browser with.",
      responses: { 200: "`{publicKey}` (base64url, a 65-byte P-256 point)." },
    }),
    async (c) => {
      requireUser(c);
      const { publicKey } = await vapidKeys(c.get("ctx").kv);
      c.header("Cache-Control", "private, max-age=3600");
      return c.json({ publicKey });
    },
  )
  .get(
    "/subscriptions",
    doc({
      tag: "Push",
      summary: "Your devices that take pushes.",
      responses: { 200: "`{subscriptions: {endpoint, createdAt}[]}`." },
    }),
    async (c) => {
      const user = requireUser(c);
      const subs = await listSubscriptions(c.get("ctx").kv, user.id);
      return c.json({
        subscriptions: subs.map(({ endpoint, createdAt }) => ({ endpoint, createdAt })),
      });
    },
  )
  .post(
    "/subscriptions",
    doc({
      tag: "Push",
      summary: "Adds a push subscription (a browser's `PushSubscription.toJSON()`).",
      body: pushSubscriptionSchema,
      responses: {
        201: "`{subscription: {endpoint, createdAt}}`.",
        400: "Invalid keys, or an endpoint that is not a public https address.",
        429: "Too many changes: wait for `Retry-After`.",
      },
    }),
    async (c) => {
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
    },
  )
  .delete(
    "/subscriptions",
    doc({
      tag: "Push",
      summary: "Removes a push subscription by its endpoint.",
      body: pushEndpointSchema,
      responses: {
        204: "Removed (also when you had none there).",
        400: "A missing or invalid `endpoint`.",
      },
    }),
    async (c) => {
      const user = requireUser(c);
      const { endpoint } = await readBody(c, pushEndpointSchema);
      await deleteSubscription(c.get("ctx").kv, user.id, endpoint);
      return c.body(null, 204);
    },
  );
