import { emitDisplay } from "./kernel-bridge";

/** Shows Markdown rendered in a notebook; elsewhere prints it as it is (Markdown reads fine as text). */
export function showMarkdown(md: string): void {
  if (!emitDisplay({ "text/markdown": md, "text/plain": md })) console.log(md);
}
