// Favor's GraphQL explorer: GraphiQL (React UMD globals, served from node_modules) over /graphql, with the
// README's examples as tabs and a bearer token field whose value goes into every request's Authorization header.
import { EXPLORER_EXAMPLES } from "/assets/explorer-examples.js";

const TOKEN_KEY = "favor-explorer-token";

function main() {
  const { React, ReactDOM, GraphiQL } = window;
  const tokenInput = document.getElementById("token");
  tokenInput.value = sessionStorage.getItem(TOKEN_KEY) ?? "";
  tokenInput.addEventListener("input", () => sessionStorage.setItem(TOKEN_KEY, tokenInput.value.trim()));

  // The token field sets Authorization; a header typed in GraphiQL's headers editor wins over it.
  const fetcher = (params, options) => {
    const token = tokenInput.value.trim();
    const headers = token ? { authorization: `Bearer ${token}` } : {};
    return GraphiQL.createFetcher({ url: "/graphql", headers })(params, options);
  };
  const defaultTabs = EXPLORER_EXAMPLES.map((example) => ({
    query: `# ${example.title}\n${example.query}\n`,
    variables: example.variables,
  }));
  const root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher,
      defaultTabs,
      defaultEditorToolsVisibility: true,
      // Tabs of earlier visits would hide new examples; the token stays out of storage except this tab's session.
      shouldPersistHeaders: false,
    }),
  );
  document.body.dataset.ready = "1";
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", main);
else main();
