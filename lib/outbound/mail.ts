/** Email: the SMTP transport and the durable mail queue (issue 18, being built). */
export {};
