/** Slash commands (issue 19): owned by H4. */
export {};
