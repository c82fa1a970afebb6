import path from "node:path";
import { describe, expect, it } from "vitest";
import { findLabNotebooks } from "../../src/notebook/discover";
import { cellSource, readNotebook, TSLAB_KERNELSPEC } from "../../src/notebook/nbformat";
import { LABS_DIR } from "./helpers";

const notebooks = findLabNotebooks(LABS_DIR);

describe("committed lab notebooks", () => {
  it("exist (the labs folder is not empty)", () => {
    expect(notebooks.length).toBeGreaterThan(0);
  });

  describe.each(notebooks.map((file) => [path.relative(LABS_DIR, file), file]))("%s", (_name, file) => {
    const nb = readNotebook(file);

    it("carries no outputs and no execution counts", () => {
      const dirty = nb.cells
        .map((cell, i) => ({
          cell: i + 1,
          cell_type: cell.cell_type,
          outputs: cell.outputs?.length ?? 0,
          count: cell.execution_count ?? null,
        }))
        .filter((c) => c.cell_type === "code" && (c.outputs > 0 || c.count !== null));
      expect(dirty, "clear outputs before committing (Jupyter: Edit > Clear All Outputs)").toEqual([]);
    });

    it("uses the tslab kernelspec", () => {
      expect(nb.metadata.kernelspec).toMatchObject(TSLAB_KERNELSPEC);
    });

    it("ends with a code cell tagged cleanup (the runner runs it after a failure too)", () => {
      const code = nb.cells.filter((cell) => cell.cell_type === "code");
      expect(code.at(-1)?.metadata?.tags, 'tag the last code cell: metadata.tags = ["cleanup"]').toContain(
        "cleanup",
      );
    });

    it("registers its lab's sweep for the Jupyter kernel's shutdown when it opens a SageMaker session", () => {
      const sources = nb.cells.filter((cell) => cell.cell_type === "code").map(cellSource);
      const sessionCell = sources.find((source) => /await createSession\(/.test(source));
      if (!sessionCell) return;
      const lab = /^(\d+(?:\.\d+)+)_/.exec(path.basename(file))?.[1];
      expect(sessionCell, "add `cleanupOnShutdown(session, { lab })` after createSession()").toContain(
        `cleanupOnShutdown(session, { lab: "${lab}" });`,
      );
    });

    it("opens with a markdown cell that documents its knobs", () => {
      const first = nb.cells[0];
      expect(first?.cell_type).toBe("markdown");
      // Korean prose first, with the environment variables the notebook reads.
      expect(cellSource(first ?? { cell_type: "markdown", source: "", metadata: {} })).toMatch(/[가-힣]/);
    });
  });
});
