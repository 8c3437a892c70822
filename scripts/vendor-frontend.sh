#!/usr/bin/env bash
# Vendor the web dashboard's JavaScript libraries from npm into the package, so that the
# installed app needs no CDN and no internet at run time. Run it after changing a version below,
# review the diff, and commit the files it writes.
#
#   scripts/vendor-frontend.sh            # needs npm and access to the npm registry
#
# Each library is pinned by version AND by the registry's sha512 integrity, checked here.
set -euo pipefail

LEAFLET_VERSION="1.9.4"
LEAFLET_INTEGRITY="sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA=="
SWAGGER_VERSION="5.35.0"
SWAGGER_INTEGRITY="sha512-U06rpMtW9V3XPGOBeamTUSr0Z09jMX4IJuANpE/EZbAhw0G8CgwrzU4YmXkn/h0wCDNsXdGarTNNHC3sU8yVUQ=="

repo="$(cd "$(dirname "$0")/.." && pwd)"
vendor="$repo/src/firegrid/web/static/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# fetch NAME VERSION INTEGRITY -> unpacks the tarball into $work/NAME/package
fetch() {
  local name="$1" version="$2" integrity="$3" tarball actual
  mkdir -p "$work/$name"
  (cd "$work/$name" && npm pack --silent "$name@$version" >/dev/null)
  tarball="$(ls "$work/$name"/*.tgz)"
  actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
  if [ "$actual" != "$integrity" ]; then
    echo "integrity mismatch for $name@$version: expected $integrity, got $actual" >&2
    exit 1
  fi
  tar -xzf "$tarball" -C "$work/$name"
}

# --- Leaflet: the map ----------------------------------------------------------------------
fetch leaflet "$LEAFLET_VERSION" "$LEAFLET_INTEGRITY"
src="$work/leaflet/package"
dest="$vendor/leaflet"
rm -rf "$dest"
mkdir -p "$dest/images"
cp "$src/dist/leaflet.js" "$src/dist/leaflet.css" "$dest/"
cp "$src"/dist/images/*.png "$dest/images/"
cp "$src/LICENSE" "$dest/LICENSE"
cat >"$dest/README.md" <<README
# Leaflet $LEAFLET_VERSION (vendored)

Copied unmodified from the npm package \`leaflet@$LEAFLET_VERSION\` by \`scripts/vendor-frontend.sh\`
(\`dist/leaflet.js\`, \`dist/leaflet.css\`, \`dist/images/*.png\`, \`LICENSE\`).

* Source: https://registry.npmjs.org/leaflet/-/leaflet-$LEAFLET_VERSION.tgz
* Integrity: \`$LEAFLET_INTEGRITY\`
* Licence: BSD-2-Clause (see \`LICENSE\`)

Do not edit these files: change the version in the script and run it again.
README

echo "vendored leaflet $LEAFLET_VERSION into ${dest#"$repo"/}"

# --- Swagger UI: the interactive API documentation at /docs ---------------------------------
fetch swagger-ui-dist "$SWAGGER_VERSION" "$SWAGGER_INTEGRITY"
src="$work/swagger-ui-dist/package"
dest="$vendor/swagger-ui"
rm -rf "$dest"
mkdir -p "$dest"
cp "$src/swagger-ui-bundle.js" "$src/swagger-ui.css" "$src/favicon-32x32.png" "$src/LICENSE" "$dest/"
cat >"$dest/README.md" <<README
# Swagger UI $SWAGGER_VERSION (vendored)

Copied unmodified from the npm package \`swagger-ui-dist@$SWAGGER_VERSION\` by
\`scripts/vendor-frontend.sh\` (\`swagger-ui-bundle.js\`, \`swagger-ui.css\`,
\`favicon-32x32.png\`, \`LICENSE\`); served at \`/docs\` instead of FastAPI's CDN default.

* Source: https://registry.npmjs.org/swagger-ui-dist/-/swagger-ui-dist-$SWAGGER_VERSION.tgz
* Integrity: \`$SWAGGER_INTEGRITY\`
* Licence: Apache-2.0 (see \`LICENSE\`)
README
