/** Outbound addresses: resolved and checked before any request leaves (issue 18, being built). */
export {};
