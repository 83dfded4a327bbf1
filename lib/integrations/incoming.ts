/** Incoming webhooks (issue 19): owned by H2. */
export {};
