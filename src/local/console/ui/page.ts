import type { FunctionComponent } from "preact";
import type { MessageKey } from "./i18n";

/**
 * A console page: its id (the server's view of the same id feeds it, see ../pages.ts), where it sits in the
 * navigation, its title, and the component that draws its view. Pages are registered in pages/index.ts.
 */

export type Params = Record<string, string>;

export interface PageProps<V> {
  view: V;
  params: Params;
}

export type NavGroup = "sagemaker" | "inference" | "data";

export interface ConsolePage<V = unknown> {
  id: string;
  nav?: { label: MessageKey; group: NavGroup };
  /** A detail page names its list page (for the navigation's highlight and the way back). */
  parent?: string;
  title(params: Params, t: (key: string) => string): string;
  Component: FunctionComponent<PageProps<V>>;
}

/** Declares a page with its view's type checked against its component. */
export function definePage<V>(page: ConsolePage<V>): ConsolePage<unknown> {
  return page as ConsolePage<unknown>;
}

/** A list page in the navigation, titled by its own label. */
export function listPage<V>(
  id: MessageKey,
  group: NavGroup,
  Component: FunctionComponent<PageProps<V>>,
): ConsolePage<unknown> {
  return definePage<V>({ id, nav: { label: id, group }, title: (_params, t) => t(id), Component });
}

/** The page of one named resource, under its list page and titled by its name. */
export function detailPage<V>(
  id: string,
  parent: string,
  Component: FunctionComponent<PageProps<V>>,
): ConsolePage<unknown> {
  return definePage<V>({ id, parent, title: (params) => params.name ?? "", Component });
}
