import { render } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import { type ApiError, adoptKeyFromLocation, followView, signOut } from "./api";
import { href } from "./components";
import { I18n, type Lang, savedLang, saveLang, translate } from "./i18n";
import type { ConsolePage, NavGroup, Params } from "./page";
import { PAGES } from "./pages";
import "./style.css";

/** The console's shell: header, navigation, and the page the address names (#/<page>?<params>), kept live. */

interface Route {
  page: ConsolePage;
  params: Params;
}

function currentRoute(): Route {
  const match = /^#\/([^?]*)(?:\?(.*))?$/.exec(window.location.hash);
  const id = match?.[1] || "overview";
  const page = PAGES.find((candidate) => candidate.id === id) ?? (PAGES[0] as ConsolePage);
  return { page, params: Object.fromEntries(new URLSearchParams(match?.[2] ?? "")) };
}

function useRoute(): Route {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const onChange = (): void => setRoute(currentRoute());
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}

interface LiveState {
  /** The route the view is of: a page never draws the view of the page before it. */
  key?: string;
  view?: unknown;
  error?: ApiError;
  connected: boolean;
  updated?: number;
}

function useLiveView(route: Route): LiveState {
  const [state, setState] = useState<LiveState>({ connected: false });
  const key = `${route.page.id}?${new URLSearchParams(route.params).toString()}`;
  useEffect(() => {
    setState({ key, connected: false });
    return followView(route.page.id, route.params, {
      view: (view) => setState({ key, view, connected: true, updated: Date.now() }),
      failure: (error) =>
        setState((previous) => ({
          ...previous,
          error,
          connected: error.status === 0 ? false : previous.connected,
        })),
      connected: (on) => setState((previous) => ({ ...previous, connected: on })),
    });
  }, [key]);
  return state.key === key ? state : { connected: false };
}

const GROUPS: NavGroup[] = ["sagemaker", "inference", "data"];
const GROUP_LABELS: Record<NavGroup, string> = {
  sagemaker: "groupSageMaker",
  inference: "groupInference",
  data: "groupData",
};

function App() {
  const [lang, setLang] = useState<Lang>(savedLang);
  const i18n = useMemo(() => ({ lang, t: (key: string) => translate(lang, key) }), [lang]);
  const route = useRoute();
  const live = useLiveView(route);
  const { t } = i18n;
  const active = route.page.parent ?? route.page.id;
  const parent = route.page.parent ? PAGES.find((page) => page.id === route.page.parent) : undefined;
  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = `${route.page.title(route.params, t)} · ${t("title")}`;
  }, [lang, route, t]);
  const signedOut = live.error?.signedOut === true;
  const Page = route.page.Component;
  return (
    <I18n.Provider value={i18n}>
      <header class="top">
        <a class="brand" href="#/">
          {t("title")}
        </a>
        <span
          class={`live ${live.connected ? "live-on" : "live-off"}`}
          data-testid="live"
          data-updated={live.updated ?? 0}
        >
          {live.connected ? `● ${t("live")}` : `○ ${t("reconnecting")}`}
        </span>
        <span class="spacer" />
        <button
          type="button"
          class="link-button"
          data-testid="lang"
          onClick={() => {
            const next = lang === "ko" ? "en" : "ko";
            saveLang(next);
            setLang(next);
          }}
        >
          {t("language")}
        </button>
        <button
          type="button"
          class="link-button"
          onClick={() => void signOut().then(() => window.location.reload())}
        >
          {t("signOut")}
        </button>
      </header>
      <div class="layout">
        <nav class="side" data-testid="nav">
          {GROUPS.map((group) => (
            <div key={group} class="nav-group">
              <h3>{t(GROUP_LABELS[group])}</h3>
              {PAGES.filter((page) => page.nav?.group === group).map((page) => (
                <a
                  key={page.id}
                  href={href(page.id)}
                  class={page.id === active ? "active" : ""}
                  data-page={page.id}
                >
                  {t(page.nav?.label ?? page.id)}
                </a>
              ))}
            </div>
          ))}
        </nav>
        <main class="content" data-page={route.page.id}>
          <div class="page-head">
            {parent ? (
              <a class="back" href={href(parent.id)}>
                ← {parent.title({}, t)}
              </a>
            ) : null}
            <h1>{route.page.title(route.params, t)}</h1>
          </div>
          {signedOut ? (
            <div class="card notice" data-testid="signed-out">
              <h2>{t("signedOutTitle")}</h2>
              <p>{t("signedOutText")}</p>
            </div>
          ) : live.error && live.error.status !== 0 && live.view === undefined ? (
            <div class="card notice">
              <h2>
                {live.error.status === 404 ||
                live.error.code.includes("NotFound") ||
                live.error.code === "ValidationException"
                  ? t("notFound")
                  : live.error.code}
              </h2>
              <p>{live.error.message}</p>
            </div>
          ) : live.view === undefined ? (
            <p class="muted">{t("loading")}</p>
          ) : (
            <>
              {live.error && live.error.status !== 0 ? <p class="error-text">{live.error.message}</p> : null}
              <Page view={live.view} params={route.params} />
            </>
          )}
        </main>
      </div>
    </I18n.Provider>
  );
}

adoptKeyFromLocation();
render(<App />, document.getElementById("app") as HTMLElement);
