// The slice of the WebAssembly JS API this library uses. TypeScript ships these declarations only in
// lib.dom, which a Node project does not load; declaring them here keeps the workspace on ES2023 + Node
// types. Shapes follow the W3C WebAssembly JS API, so they merge with lib.dom where both are present.
export {};

declare global {
  namespace WebAssembly {
    type ImportExportKind = 'function' | 'table' | 'memory' | 'global' | 'tag';
    interface ModuleImportDescriptor { module: string; name: string; kind: ImportExportKind }
    interface ModuleExportDescriptor { name: string; kind: ImportExportKind }

    interface Module {}
    var Module: {
      prototype: Module;
      new (bytes: BufferSource): Module;
      imports(module: Module): ModuleImportDescriptor[];
      exports(module: Module): ModuleExportDescriptor[];
      customSections(module: Module, sectionName: string): ArrayBuffer[];
    };

    type ExportValue = Function | Global | Memory | Table;
    type Exports = Record<string, ExportValue>;
    interface Instance { readonly exports: Exports }
    var Instance: { prototype: Instance; new (module: Module, importObject?: Imports): Instance };

    interface MemoryDescriptor { initial: number; maximum?: number; shared?: boolean }
    interface Memory { readonly buffer: ArrayBuffer; grow(delta: number): number }
    var Memory: { prototype: Memory; new (descriptor: MemoryDescriptor): Memory };

    interface Table { readonly length: number; get(index: number): unknown; set(index: number, value?: unknown): void }
    var Table: { prototype: Table };

    interface Global { value: unknown; valueOf(): unknown }
    var Global: { prototype: Global };

    interface CompileError extends Error {}
    var CompileError: { prototype: CompileError; new (message?: string): CompileError };
    interface LinkError extends Error {}
    var LinkError: { prototype: LinkError; new (message?: string): LinkError };
    interface RuntimeError extends Error {}
    var RuntimeError: { prototype: RuntimeError; new (message?: string): RuntimeError };

    type ImportValue = ExportValue | number | bigint;
    type ModuleImports = Record<string, ImportValue>;
    type Imports = Record<string, ModuleImports>;
    type BufferSource = ArrayBufferView | ArrayBuffer;

    function compile(bytes: BufferSource): Promise<Module>;
    function instantiate(module: Module, importObject?: Imports): Promise<Instance>;
    function validate(bytes: BufferSource): boolean;
  }
}
