// Every job module is imported here once, so that its definition registers itself.
export {};
