# Sourced by .ci/run: puts the Node version named in .nvmrc first on PATH.
# A machine may carry an older Node (this one has 20, past its end of life); the npm registry's
# node-linux-<arch> package ships the official binary, so nothing else needs downloading.
want="$(tr -d ' \n' < .nvmrc)"
if [ "$(node --version 2>/dev/null)" != "v$want" ]; then
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "No node-linux package for $(uname -m); install Node $want by hand." >&2; exit 1 ;;
  esac
  dir="${KITSU_NODE_CACHE:-$HOME/.cache/kitsu-actions}/node-$want"
  bin="$dir/node_modules/node-linux-$arch/bin"
  if [ ! -x "$bin/node" ]; then
    npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$dir" "node-linux-$arch@$want"
  fi
  export PATH="$bin:$PATH"
fi
echo "Node $(node --version), npm $(npm --version)"
