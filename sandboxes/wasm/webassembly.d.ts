/**
 * The few WebAssembly JS API types the Wasm sandbox uses. The project compiles
 * with `lib: ES2023` and no DOM, and @types/node 20 does not declare the
 * `WebAssembly` global, so the subset is declared here in lib.dom's shape.
 *
 * @module
 */
declare namespace WebAssembly {
  type ImportExportKind = 'function' | 'global' | 'memory' | 'table' | 'tag';
  interface ModuleImportDescriptor {
    kind: ImportExportKind;
    module: string;
    name: string;
  }
  interface ModuleExportDescriptor {
    kind: ImportExportKind;
    name: string;
  }
  interface Module {}
  var Module: {
    prototype: Module;
    new (bytes: ArrayBufferView | ArrayBuffer): Module;
    customSections(moduleObject: Module, sectionName: string): ArrayBuffer[];
    exports(moduleObject: Module): ModuleExportDescriptor[];
    imports(moduleObject: Module): ModuleImportDescriptor[];
  };
  interface Instance {
    readonly exports: Record<string, unknown>;
  }
  function compile(bytes: ArrayBufferView | ArrayBuffer): Promise<Module>;
}
