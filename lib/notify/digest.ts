/** The missed-messages email: one per person per delay window (issue 18, being built). */
export {};
