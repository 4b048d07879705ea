// Raw imports of the nanokernel host functions (namespace "extism:host/user").
// Every function takes the Extism memory offset of a UTF-8 JSON request and
// returns the offset of a UTF-8 JSON reply: {"ok": ...} or {"error": {...}}.
// See docs/plugin-abi.md.

@external("extism:host/user", "nk_call")
export declare function nk_call(request: u64): u64;

@external("extism:host/user", "nk_publish")
export declare function nk_publish(request: u64): u64;

@external("extism:host/user", "nk_subscribe")
export declare function nk_subscribe(request: u64): u64;

@external("extism:host/user", "nk_delegate")
export declare function nk_delegate(request: u64): u64;

@external("extism:host/user", "nk_revoke")
export declare function nk_revoke(request: u64): u64;

@external("extism:host/user", "nk_log")
export declare function nk_log(request: u64): u64;

// The Extism kernel's own length function, to size a reply block.
@external("extism:host/env", "length")
export declare function extism_length(offset: u64): u64;
