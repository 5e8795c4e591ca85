# The Debian package (CPack DEB), built by packaging/deb.sh: build/llm-surgery_<version>_amd64.deb.
# Its dependencies are what dpkg-shlibdeps finds the binaries and the plugin linking (so it is made from
# Debian's libtorch and Qt, not a LibTorch unpacked by hand; Qt's platform plugins, xcb and offscreen, come with
# libqt6gui6), and it recommends an optimised BLAS, which LibTorch loads through libblas.so.3 (without it, the
# reference BLAS: ~25x slower).
set(LLMS_PACKAGE_MAINTAINER "llm-surgery maintainers <maintainers@llm-surgery.invalid>" CACHE STRING
    "Maintainer field of the Debian package")
set(LLMS_HOMEPAGE "https://github.com/llm-surgery/llm-surgery" CACHE STRING "Homepage field of the Debian package")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME llm-surgery)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)                      # Release binaries without their symbol tables
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "make a local language model forget or update facts")
set(CPACK_PACKAGE_DESCRIPTION
    "LLM Surgery edits what a local large language model knows without retraining it: open a Hugging Face
model folder, list the facts it must forget, the facts it must learn instead and the facts it must keep,
probe the model before and after, run the surgery with live plots of each loss term, and export the edited
model (safetensors or GGUF). It works offline: a small demo model is built on first run from the shipped,
openly licensed world data.

This package holds the desktop application (llm-surgery) and the command-line tool (llm-surgery-cli).")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)        # llm-surgery_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${LLMS_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "${LLMS_HOMEPAGE}")
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "libopenblas0-pthread")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
include(CPack)
