"""The catalog's benchmarks (scripts/bench.sh catalog): a release `tandem catalog serve` on a new
SQLite file (or PostgreSQL with --database URL) on loopback, measured with wrk beside nginx serving
the same item JSON from a file (the machine's limit for a small JSON response).

  1. one batch of 1,000 new items, then the same batch again (all Unchanged), then changed (Updated);
  2. the catalog filled to 100,000 items, then GET by object id and list pages under wrk;
  3. nginx serving the GET's response body from a file, under the same wrk load;
  4. the web page's search over the 100,000 items (signed in as the company, and signed out: public
     items only), from a word that picks a few items to one that matches them all.

Every process this starts is stopped by its pid at the end."""
import argparse, json, os, re, shutil, socket, subprocess, sys, tempfile, time, urllib.request
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import catalog_server  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


WORDS = ["proxy", "logger", "metrics", "tracing", "envoy", "nginx", "redis", "vault", "agent", "shipper", "cache", "auth",
         "gateway", "mesh", "exporter", "collector", "scanner", "backup", "queue", "router", "filter", "mirror", "relay",
         "watcher", "syncer", "signer", "limiter", "monitor", "checker", "injector", "fluent", "otel", "consul", "statsd",
         "jaeger", "zipkin", "kafka", "nats", "minio", "postgres", "mysql", "mongo", "etcd", "coredns", "haproxy",
         "traefik", "istio", "linkerd", "falco", "trivy"]


def item(index, company, name="Item"):
    # Two words of fifty in each description: a word picks about 4% of the items, two about 0.1%.
    first, second = WORDS[index % 50], WORDS[(index * 7 + index // 50) % 50]
    return {
        "name": f"{name} {index}", "itemId": f"item-{index:06d}", "tenantId": company, "type": "sidecar",
        "description": f"A benchmark {first} {second} sidecar",
        "visibility": {"public": index % 10 == 0},
        "resources": {"name": f"item-{index:06d}", "dockerImage": f"ghcr.io/acme/{first}:1.0",
                      "containerPorts": [{"name": "http", "from": 8080, "to": 80}]},
    }


def request(method, url, token, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as response:
        return json.loads(response.read() or b"null")


def apply_batch(base, token, company, items):
    start = time.perf_counter()
    result = request("POST", f"{base}/api/backend/marketplace/tenants/{company}/resources", token, {"resources": items})
    elapsed = time.perf_counter() - start
    assert result["done"], result["items"][:3]
    return elapsed, result


def wrk(url, token, seconds, connections, cookie=None):
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if token:
        command[1:1] = ["-H", f"Authorization: Bearer {token}"]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    def latency(label):
        m = re.search(rf"\s{label}\s+([\d.]+)(us|ms|s)\b", out)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50_ms": latency("50%"), "p99_ms": latency("99%"), "non2xx": int(errors.group(1)) if errors else 0}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("tandem")
    parser.add_argument("--database", help="a postgres:// URL (default: a new SQLite file)")
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--server-arg", action="append", default=[], help="passed to tandem catalog serve (e.g. --server-arg=--token-cache-ms=1000)")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="tandem-catalog-bench-")
    os.chmod(work, 0o755)  # nginx workers run as www-data
    database = args.database or os.path.join(work, "catalog.sqlite")
    company = "acme"
    processes = []
    try:
        token = subprocess.run([args.tandem, "catalog", "token", "create", "--company-id", company, "--role", "admin", "--name", "bench",
                                "--database", database], capture_output=True, text=True, check=True).stdout.strip()
        server, base = catalog_server.start(args.tandem, database, work, args.server_arg, within=10)
        processes.append(server)
        results = {"database": "postgresql" if args.database else "sqlite"}

        batch = [item(i, company) for i in range(1000)]
        results["batch_1000_created_s"], _ = apply_batch(base, token, company, batch)
        results["batch_1000_unchanged_s"], _ = apply_batch(base, token, company, batch)
        results["batch_1000_updated_s"], _ = apply_batch(base, token, company, [item(i, company, "Renamed") for i in range(1000)])
        fill_start = time.perf_counter()
        for start in range(1000, args.items, 1000):
            apply_batch(base, token, company, [item(i, company) for i in range(start, min(start + 1000, args.items))])
        results["fill_items_per_s"] = round((args.items - 1000) / (time.perf_counter() - fill_start))

        listing = request("GET", f"{base}/api/backend/marketplace/?tenantId={company}&perPage=1", token)
        object_id = listing[0]["_id"]
        get_url = f"{base}/api/backend/marketplace/{object_id}"
        body = urllib.request.urlopen(urllib.request.Request(get_url, headers={"Authorization": f"Bearer {token}"})).read()
        results["get_body_bytes"] = len(body)
        wrk(get_url, token, 2, args.connections)  # warm up
        results["get_by_id"] = wrk(get_url, token, args.seconds, args.connections)
        assert results["get_by_id"]["non2xx"] == 0, "the catalog answered errors"
        results["list_200_of_100k"] = wrk(f"{base}/api/backend/marketplace/?tenantId={company}&perPage=200", token, args.seconds, 8)
        results["list_200_of_100k_with_shared"] = wrk(f"{base}/api/backend/marketplace/?includeTenantId={company}&perPage=200", token, args.seconds, 8)
        cursor = f"{company}\x1fitem-{args.items - 201:06d}\x1fN/A".encode().hex()
        results["list_200_last_page_by_cursor"] = wrk(f"{base}/api/backend/marketplace/?tenantId={company}&perPage=200&after={cursor}", token, args.seconds, 8)
        results["list_200_last_page"] = wrk(f"{base}/api/backend/marketplace/?tenantId={company}&perPage=200&page={args.items // 200}", token, args.seconds, 8)

        # The web page's search: the whole page (query, template), as a browser gets it.
        search = {}
        for label, query in [("one word (~4%)", "q=envoy"), ("two words (~0.1%)", "q=envoy+tracing"), ("a name", "q=item+12345"),
                             ("every item", "q=sidecar"), ("no words, first page", ""), ("no words, page 100", "page=100"),
                             ("word and type", "q=vault&type=sidecar")]:
            for who, cookie in [("company", f"tandem_session={token}"), ("signed out", None)]:
                url = f"{base}/?{query}"
                page = urllib.request.urlopen(urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})).read().decode()
                rows = page.count("<tr><td><a href=\"/items/")
                measured = wrk(url, None, max(2, args.seconds // 2), 4, cookie=cookie)
                assert measured["non2xx"] == 0, f"search {query} answered errors"
                search[f"{label}, {who}"] = dict(measured, rows=rows)
        results["search_100k"] = search

        # nginx serving the same body from a file.
        root = os.path.join(work, "www")
        os.makedirs(root)
        with open(os.path.join(root, "item.json"), "wb") as f:
            f.write(body)
        nginx_port = free_port()
        conf = os.path.join(work, "nginx.conf")
        with open(conf, "w") as f:
            f.write(f"""worker_processes 1; daemon off; pid {work}/nginx.pid; error_log {work}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{ access_log off; default_type application/json;
  client_body_temp_path {work}/body; proxy_temp_path {work}/proxy; fastcgi_temp_path {work}/fastcgi;
  uwsgi_temp_path {work}/uwsgi; scgi_temp_path {work}/scgi;
  server {{ listen 127.0.0.1:{nginx_port}; root {root}; }} }}
""")
        nginx = subprocess.Popen(["nginx", "-c", conf, "-p", work], stderr=subprocess.DEVNULL)
        processes.append(nginx)
        time.sleep(0.5)
        nginx_url = f"http://127.0.0.1:{nginx_port}/item.json"
        wrk(nginx_url, None, 2, args.connections)
        results["nginx_same_body"] = wrk(nginx_url, None, args.seconds, args.connections)
        assert results["nginx_same_body"]["non2xx"] == 0, "nginx did not serve the file"
        results["get_vs_nginx"] = round(results["get_by_id"]["rps"] / results["nginx_same_body"]["rps"], 3)
        print(json.dumps(results, indent=2))
    finally:
        for process in processes:
            catalog_server.stop(process, timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
