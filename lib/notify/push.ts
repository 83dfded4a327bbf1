/** Web Push: VAPID keys, subscriptions, sending (issue 18, being built). */
export {};
