export * from "./actions";
export * from "./document";
export * from "./bucket-policy";
export * from "./endpoint-policy";
export * from "./role-policy";
export * from "./key-policy";
export * from "./log-bucket-policy";
