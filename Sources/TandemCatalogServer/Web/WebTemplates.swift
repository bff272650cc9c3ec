import Mustache

/// The catalog page's templates. Mustache escapes every `{{value}}` for HTML (`<`, `>`, `&`, both
/// quotes); the only unescaped value, `{{{body}}}`, is a page these templates rendered.
enum WebTemplates {
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for (name, text) in [("layout", layout), ("home", home), ("item", item), ("signIn", signIn), ("problem", problem)] {
            // The templates are this file's constants: one that does not parse is a bug (and its pages
            // render empty, which every page test sees).
            do {
                try library.register(text, named: name)
            } catch {
                assertionFailure("template \(name): \(error)")
            }
        }
        return library
    }()

    static func render(_ name: String, _ values: [String: Any]) -> String {
        library.render(values, withTemplate: name) ?? ""
    }

    static let layout = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · Tandem catalog</title>
        <link rel="stylesheet" href="/ui/style.css">
        </head>
        <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="top">
        <a class="brand" href="/">Tandem catalog</a>
        <nav aria-label="Account">
        {{#session}}<span class="who" data-testid="who">{{company}} · {{role}}</span>
        <form method="post" action="/sign-out" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Sign out</button></form>{{/session}}
        {{^session}}<a href="/sign-in">Sign in</a>{{/session}}
        </nav>
        </header>
        <main id="main" tabindex="-1">
        {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
        {{{body}}}
        </main>
        <footer><a href="/openapi.json">API (OpenAPI)</a></footer>
        </body>
        </html>

        """

    static let home = """
        <h1>{{heading}}</h1>
        <form class="search" role="search" method="get" action="/">
        <div class="field"><label for="q">Search</label>
        <input id="q" name="q" type="search" value="{{q}}" placeholder="name, item id, image, description, company" aria-describedby="q-help"></div>
        <div class="field"><label for="type">Type</label>
        <select id="type" name="type"><option value="">any type</option>{{#types}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/types}}</select></div>
        <div class="field"><label for="company">Company</label>
        <input id="company" name="company" value="{{company}}" placeholder="any company"></div>
        <button type="submit">Search</button>
        <p id="q-help" class="help">Every word must begin a word of the item; newest first (without words, by name). {{scope}}</p>
        </form>
        <p class="count" role="status" data-testid="count">{{summary}}</p>
        {{#hasItems}}
        <table class="items">
        <caption class="visually-hidden">Items found</caption>
        <thead><tr><th scope="col">Name</th><th scope="col">Item id</th><th scope="col">Version</th><th scope="col">Type</th><th scope="col">Company</th><th scope="col">Image</th></tr></thead>
        <tbody>
        {{#items}}<tr><td><a href="{{href}}">{{name}}</a><div class="description">{{description}}</div></td><td><code>{{itemId}}</code></td><td>{{version}}</td><td>{{type}}</td><td>{{company}}{{#shared}} <span class="tag">{{shared}}</span>{{/shared}}</td><td><code>{{image}}</code></td></tr>
        {{/items}}
        </tbody>
        </table>
        {{/hasItems}}
        <nav class="pages" aria-label="Pages">{{#previous}}<a rel="prev" href="{{previous}}">← Previous page</a>{{/previous}} <span aria-current="page">Page {{page}}</span> {{#next}}<a rel="next" href="{{next}}">Next page →</a>{{/next}}</nav>

        """

    static let item = """
        <nav class="crumbs" aria-label="Breadcrumb"><a href="/">Catalog</a> › <span>{{company}}</span> › <span aria-current="page">{{itemId}}</span></nav>
        <h1>{{#logo}}<img class="logo" src="{{logo}}" alt="" width="48" height="48">{{/logo}}<span data-testid="name">{{name}}</span></h1>
        {{#description}}<p class="lead" data-testid="description">{{description}}</p>{{/description}}
        <dl class="fields">
        <dt>Item id</dt><dd><code>{{itemId}}</code></dd>
        <dt>Version</dt><dd>{{version}}</dd>
        <dt>Type</dt><dd>{{type}}</dd>
        <dt>Company</dt><dd>{{company}}</dd>
        <dt>Visibility</dt><dd>{{visibility}}</dd>
        {{#lifecycle}}<dt>Lifecycle</dt><dd>{{lifecycle}}</dd>{{/lifecycle}}
        <dt>Revision</dt><dd>{{revision}}, updated {{updated}}</dd>
        {{#documentation}}<dt>Documentation</dt><dd>{{documentation}}</dd>{{/documentation}}
        </dl>
        {{#container}}
        <section aria-labelledby="container-heading">
        <h2 id="container-heading">Container</h2>
        <dl class="fields">
        {{#image}}<dt>Image</dt><dd><code data-testid="image">{{image}}</code></dd>{{/image}}
        {{#command}}<dt>Command</dt><dd><code>{{command}}</code></dd>{{/command}}
        {{#resources}}<dt>Resources</dt><dd>{{resources}}</dd>{{/resources}}
        </dl>
        {{#hasPorts}}<h3>Ports</h3><table class="small"><thead><tr><th scope="col">Name</th><th scope="col">Port</th><th scope="col">Protocol</th></tr></thead><tbody>
        {{#ports}}<tr><td>{{name}}</td><td>{{port}}</td><td>{{transport}}</td></tr>{{/ports}}</tbody></table>{{/hasPorts}}
        {{#hasProbes}}<h3>Probes</h3><table class="small"><thead><tr><th scope="col">Probe</th><th scope="col">Check</th><th scope="col">Timing</th></tr></thead><tbody>
        {{#probes}}<tr><td>{{kind}}</td><td><code>{{check}}</code></td><td>{{timing}}</td></tr>{{/probes}}</tbody></table>{{/hasProbes}}
        {{#hasEnvironment}}<h3>Environment</h3><table class="small"><thead><tr><th scope="col">Variable</th><th scope="col">Value</th></tr></thead><tbody>
        {{#environment}}<tr><td><code>{{name}}</code></td><td>{{#secret}}<span class="tag">secret</span> {{/secret}}<code>{{value}}</code></td></tr>{{/environment}}</tbody></table>{{/hasEnvironment}}
        {{#hasConfigMaps}}<h3>Config maps</h3><ul>{{#configMaps}}<li><code>{{name}}</code>: {{files}}</li>{{/configMaps}}</ul>{{/hasConfigMaps}}
        </section>
        {{/container}}
        {{#hasSnippets}}
        <section aria-labelledby="use-heading">
        <h2 id="use-heading">Use it</h2>
        {{#graph}}<figure class="graph"><img src="{{graph}}" alt="The start order of my-service with {{itemId}} beside it, as tandem graph draws it" data-testid="graph"><figcaption>my-service with {{itemId}} beside it: who starts when (<code>tandem graph</code>).</figcaption></figure>{{/graph}}
        {{#snippets}}<h3 id="{{id}}">{{title}}</h3><pre class="code" tabindex="0" aria-labelledby="{{id}}" data-testid="{{id}}"><code>{{text}}</code></pre>
        {{/snippets}}
        </section>
        {{/hasSnippets}}
        <section aria-labelledby="document-heading">
        <h2 id="document-heading">Document</h2>
        <details open><summary>YAML</summary><pre class="code" tabindex="0" aria-label="The item as YAML" data-testid="yaml"><code>{{yaml}}</code></pre></details>
        <details><summary>JSON</summary><pre class="code" tabindex="0" aria-label="The item as JSON" data-testid="json"><code>{{json}}</code></pre></details>
        </section>
        {{#hasVersions}}
        <section aria-labelledby="versions-heading">
        <h2 id="versions-heading">Versions</h2>
        <ul class="versions">{{#versions}}<li>{{#current}}<strong aria-current="page">{{version}}</strong>{{/current}}{{^current}}<a href="{{href}}">{{version}}</a>{{/current}}</li>{{/versions}}</ul>
        </section>
        {{/hasVersions}}
        {{#hasHistory}}
        <section aria-labelledby="history-heading">
        <h2 id="history-heading">History</h2>
        {{#history}}<article class="revision" aria-labelledby="revision-{{revision}}">
        <h3 id="revision-{{revision}}">Revision {{revision}}: {{action}}</h3>
        <p class="meta">{{actor}}, {{at}}{{#changes}} · changed {{changes}}{{/changes}}</p>
        {{#hasDiff}}<pre class="diff" tabindex="0" aria-label="What revision {{revision}} changed" data-testid="diff-{{revision}}"><code>{{#diff}}<span class="{{kind}}">{{sign}} {{text}}</span>
        {{/diff}}</code></pre>{{/hasDiff}}
        {{#restorable}}<form method="post" action="{{restoreAction}}"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="revision" value="{{revision}}"><button type="submit">Restore revision {{revision}}</button></form>{{/restorable}}
        </article>
        {{/history}}
        </section>
        {{/hasHistory}}

        """

    static let signIn = """
        <h1>Sign in</h1>
        <p>Sign in with a catalog token (<code>tandem catalog token create</code>) or a service account's client id and secret
        (<code>tandem catalog service-account create</code>). It is kept in a cookie that scripts cannot read, until you sign out.</p>
        {{#problem}}<p class="problem" role="alert" id="sign-in-problem">{{problem}}</p>{{/problem}}
        <form method="post" action="/sign-in" class="stacked" aria-labelledby="token-heading">
        <h2 id="token-heading">With a token</h2>
        <label for="token">Token</label>
        <input id="token" name="token" type="password" autocomplete="off" required{{#problem}} aria-describedby="sign-in-problem"{{/problem}}>
        <button type="submit">Sign in</button>
        </form>
        <form method="post" action="/sign-in" class="stacked" aria-labelledby="account-heading">
        <h2 id="account-heading">With a service account</h2>
        <label for="client-id">Client id</label>
        <input id="client-id" name="client_id" autocomplete="off" required>
        <label for="client-secret">Client secret</label>
        <input id="client-secret" name="client_secret" type="password" autocomplete="off" required>
        <button type="submit">Sign in</button>
        </form>

        """

    static let problem = """
        <h1>{{heading}}</h1>
        <p class="problem" role="alert">{{message}}</p>
        <p><a href="/">Back to the catalog</a></p>

        """

    static let css = """
        :root { --ink: #1d2430; --muted: #5b6678; --line: #d5dbe4; --accent: #1f5fbf; --bg: #f6f8fb; --add: #e3f6e8; --del: #fde8e8; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.5 system-ui, sans-serif; color: var(--ink); background: var(--bg); }
        a { color: var(--accent); }
        a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, summary:focus-visible, pre:focus-visible { outline: 3px solid #f0a500; outline-offset: 2px; }
        .skip { position: absolute; left: -9999px; }
        .skip:focus { left: 8px; top: 8px; background: #fff; padding: 4px 8px; }
        .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
        header.top { display: flex; justify-content: space-between; align-items: center; padding: 10px 24px; background: var(--ink); color: #fff; }
        header.top a { color: #fff; }
        .brand { font-weight: 700; text-decoration: none; }
        .who { margin-right: 8px; }
        form.inline { display: inline; }
        main { max-width: 1100px; margin: 0 auto; padding: 16px 24px 48px; }
        footer { text-align: center; color: var(--muted); padding: 16px; }
        h1 { font-size: 1.6em; display: flex; align-items: center; gap: 12px; }
        .logo { border-radius: 8px; background: #fff; }
        .search { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-end; background: #fff; padding: 12px; border: 1px solid var(--line); border-radius: 8px; }
        .field { display: flex; flex-direction: column; }
        .help { flex-basis: 100%; margin: 0; color: var(--muted); font-size: 0.9em; }
        input, select, button { font: inherit; padding: 6px 8px; border: 1px solid var(--line); border-radius: 6px; }
        button { background: var(--accent); color: #fff; border-color: var(--accent); cursor: pointer; }
        table { border-collapse: collapse; width: 100%; background: #fff; }
        th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
        .description { color: var(--muted); font-size: 0.9em; }
        .tag { font-size: 0.8em; background: #e8eefc; border-radius: 4px; padding: 0 4px; }
        .pages { margin-top: 12px; display: flex; gap: 16px; }
        dl.fields { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; background: #fff; padding: 12px; border: 1px solid var(--line); border-radius: 8px; }
        dt { color: var(--muted); }
        dd { margin: 0; }
        pre.code, pre.diff { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px; overflow: auto; }
        .diff .added { background: var(--add); display: block; }
        .diff .removed { background: var(--del); display: block; }
        .diff .same { color: var(--muted); display: block; }
        figure.graph { margin: 0 0 12px; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 8px; }
        figure.graph img { max-width: 100%; height: auto; }
        .revision { border-top: 1px solid var(--line); padding-top: 8px; }
        .meta { color: var(--muted); }
        .notice { background: #e3f6e8; padding: 8px 12px; border-radius: 6px; }
        .problem { background: #fde8e8; padding: 8px 12px; border-radius: 6px; }
        form.stacked { display: flex; flex-direction: column; gap: 6px; max-width: 420px; background: #fff; padding: 12px; border: 1px solid var(--line); border-radius: 8px; margin-bottom: 16px; }
        form.stacked h2 { margin: 0 0 4px; font-size: 1.1em; }

        """
}
