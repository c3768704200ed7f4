/**
 * The guest's view of memory. Addresses are byte addresses into guest RAM; 32-bit and
 * 64-bit accesses must be naturally aligned, so they never cross a page. Every access
 * goes through the shadow entry of its page (docs/design.md, Access path) unless the mode is native.
 */
export interface GuestMemory {
  readonly bytes: number;
  load8(addr: number): number;
  store8(addr: number, value: number): void;
  load32(addr: number): number;
  store32(addr: number, value: number): void;
  loadF64(addr: number): number;
  storeF64(addr: number, value: number): void;
  /** Take the read fault a load of page pfn would take, without reading (trace replay). */
  touchRead(pfn: number): void;
  /** Take the write fault or set the dirty bit a store to page pfn would, without writing. */
  touchWrite(pfn: number): void;
}
