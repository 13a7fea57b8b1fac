// Reader of 8-bit grey images from PNG files, as MuJoCo 3.4.0's height fields read them
// (mjCHField::LoadPNG through lodepng with a grey, 8-bit raw format). Host only; libpng
// (Debian's libpng-dev) decodes.
//
//   int w, h;
//   std::vector<unsigned char> px = sinew::read_png_grey("terrain.png", where, &w, &h);
//   // px[c + r * w]: row r from the top of the image
//
// lodepng's conversion to grey, reproduced: grey images as they are (1, 2 and 4 bits scaled to
// 8 by bit replication, 16 bits by their high byte), colour and palette images by their red
// channel (lodepng does not mix the channels), alpha and transparency ignored, no gamma.
// Bounds: the image's width and height come from its header; at most 2^27 pixels (Sinew's height
// field limit) are allocated, checked before decoding; libpng's own chunk-size limit applies.
// Errors name the file and what libpng reported.
#pragma once
#include <png.h>

#include <csetjmp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "sinew/io/error.hpp"

namespace sinew {

namespace png_detail {
struct Reader {
  std::FILE* f = nullptr;
  png_structp png = nullptr;
  png_infop info = nullptr;
  png_bytep buf = nullptr;  // the decoded image, rowbytes x height
  png_bytep* rows = nullptr;
  png_uint_32 width = 0, height = 0;
  int channels = 1;
  size_t rowbytes = 0;
  char message[256] = {0};
  ~Reader() {
    if (png) {
      if (rows) png_free(png, rows);
      if (buf) png_free(png, buf);
      png_destroy_read_struct(&png, info ? &info : nullptr, nullptr);
    }
    if (f) std::fclose(f);
  }
};
inline void on_error(png_structp png, png_const_charp msg) {
  auto* r = static_cast<Reader*>(png_get_error_ptr(png));
  std::snprintf(r->message, sizeof r->message, "%s", msg);
  png_longjmp(png, 1);
}
inline void on_warning(png_structp, png_const_charp) {}

/// libpng's part, free of C++ objects (a libpng error longjmps back here). Returns false on a
/// libpng error or a size past `limit` pixels (message in r.message).
inline bool decode(Reader& r, int64_t limit) {
  if (setjmp(png_jmpbuf(r.png))) return false;
  png_init_io(r.png, r.f);
  png_set_sig_bytes(r.png, 8);
  png_read_info(r.png, r.info);
  int depth = 0, color = 0, interlace = 0;
  png_get_IHDR(r.png, r.info, &r.width, &r.height, &depth, &color, &interlace, nullptr, nullptr);
  if (r.width == 0 || r.height == 0 || int64_t(r.width) * int64_t(r.height) > limit) {
    std::snprintf(r.message, sizeof r.message, "%ux%u pixels (at most 2^27)", unsigned(r.width), unsigned(r.height));
    return false;
  }
  if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(r.png);
  if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(r.png);
  if (depth == 16) png_set_strip_16(r.png);
  if (color & PNG_COLOR_MASK_ALPHA) png_set_strip_alpha(r.png);
  png_set_interlace_handling(r.png);
  png_read_update_info(r.png, r.info);
  r.channels = png_get_channels(r.png, r.info);
  r.rowbytes = png_get_rowbytes(r.png, r.info);
  r.buf = static_cast<png_bytep>(png_malloc(r.png, r.rowbytes * r.height));
  r.rows = static_cast<png_bytep*>(png_malloc(r.png, sizeof(png_bytep) * r.height));
  for (png_uint_32 y = 0; y < r.height; ++y) r.rows[y] = r.buf + size_t(y) * r.rowbytes;
  png_read_image(r.png, r.rows);
  return true;
}
}  // namespace png_detail

inline std::vector<unsigned char> read_png_grey(const std::string& path, const SourceLocation& where, int* width,
                                                int* height) {
  const auto fail = [&](const std::string& what) {
    return ModelError(where, "error decoding PNG file '" + path + "': " + what);
  };
  png_detail::Reader r;
  r.f = std::fopen(path.c_str(), "rb");
  if (!r.f) throw ModelError(where, "could not read PNG file '" + path + "'");
  unsigned char sig[8];
  if (std::fread(sig, 1, 8, r.f) != 8 || png_sig_cmp(sig, 0, 8)) throw fail("not a PNG file");
  r.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &r, png_detail::on_error, png_detail::on_warning);
  if (!r.png) throw fail("libpng could not start");
  r.info = png_create_info_struct(r.png);
  if (!r.info) throw fail("libpng could not start");
  if (!png_detail::decode(r, int64_t(1) << 27)) throw fail(r.message);
  std::vector<unsigned char> px(size_t(r.width) * size_t(r.height));
  for (png_uint_32 y = 0; y < r.height; ++y)
    for (png_uint_32 x = 0; x < r.width; ++x) px[size_t(y) * r.width + x] = r.rows[y][size_t(x) * size_t(r.channels)];
  *width = int(r.width);
  *height = int(r.height);
  return px;
}

}  // namespace sinew
