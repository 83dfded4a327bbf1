/** The notifier: stored messages → pushes and missed-message emails (issue 18, being built). */
export {};
