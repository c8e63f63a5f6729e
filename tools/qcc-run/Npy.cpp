//===- Npy.cpp - reading and writing NumPy .npy files ----------------------===//
#include "Npy.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace qcc {
namespace npy {

namespace {
struct DtypeEntry {
  qcc_element_type_t type;
  const char *descr;
};
const DtypeEntry kDtypes[] = {
    {QCC_ELEMENT_TYPE_F32, "<f4"},  {QCC_ELEMENT_TYPE_F64, "<f8"},
    {QCC_ELEMENT_TYPE_F16, "<f2"},  {QCC_ELEMENT_TYPE_I8, "|i1"},
    {QCC_ELEMENT_TYPE_I16, "<i2"},  {QCC_ELEMENT_TYPE_I32, "<i4"},
    {QCC_ELEMENT_TYPE_I64, "<i8"},  {QCC_ELEMENT_TYPE_U8, "|u1"},
    {QCC_ELEMENT_TYPE_U16, "<u2"},  {QCC_ELEMENT_TYPE_U32, "<u4"},
    {QCC_ELEMENT_TYPE_U64, "<u8"},  {QCC_ELEMENT_TYPE_BOOL, "|b1"},
};

qcc_element_type_t parseDescr(std::string d) {
  // One-byte types may be written with any byte-order mark.
  if (d.size() == 3 && d[2] == '1' && (d[0] == '<' || d[0] == '=' || d[0] == '>'))
    d[0] = '|';
  if (d.size() == 3 && d[0] == '=')
    d[0] = '<';
  for (const DtypeEntry &e : kDtypes)
    if (d == e.descr)
      return e.type;
  return QCC_ELEMENT_TYPE_INVALID;
}

/// Finds the value text of `key` in the header dict ('key': value).
bool findValue(const std::string &header, const std::string &key,
               std::string &value) {
  size_t k = header.find("'" + key + "'");
  if (k == std::string::npos)
    return false;
  size_t colon = header.find(':', k);
  if (colon == std::string::npos)
    return false;
  size_t start = header.find_first_not_of(' ', colon + 1);
  if (start == std::string::npos)
    return false;
  size_t end;
  if (header[start] == '(') {
    end = header.find(')', start);
    if (end == std::string::npos)
      return false;
    ++end;
  } else if (header[start] == '\'') {
    end = header.find('\'', start + 1);
    if (end == std::string::npos)
      return false;
    ++end;
  } else {
    end = header.find_first_of(",}", start);
    if (end == std::string::npos)
      return false;
  }
  value = header.substr(start, end - start);
  return true;
}
} // namespace

std::string dtypeDescr(qcc_element_type_t type) {
  for (const DtypeEntry &e : kDtypes)
    if (e.type == type)
      return e.descr;
  return "";
}

bool parseBuffer(const std::string &bytes, const std::string &name, Array &out,
                 std::string &error) {
  auto fail = [&](const std::string &why) {
    error = "'" + name + "': " + why;
    return false;
  };
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0)
    return fail("not a .npy file (bad magic)");
  unsigned major = static_cast<unsigned char>(bytes[6]);
  size_t headerLen, headerStart;
  if (major == 1) {
    headerLen = static_cast<unsigned char>(bytes[8]) |
                (static_cast<unsigned char>(bytes[9]) << 8);
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      return fail("truncated header");
    headerLen = 0;
    for (int i = 0; i < 4; ++i)
      headerLen |= static_cast<size_t>(static_cast<unsigned char>(bytes[8 + i]))
                   << (8 * i);
    headerStart = 12;
  } else {
    return fail("unsupported .npy version " + std::to_string(major));
  }
  if (headerStart + headerLen > bytes.size())
    return fail("truncated header");
  std::string header = bytes.substr(headerStart, headerLen);
  std::string descr, fortran, shape;
  if (!findValue(header, "descr", descr) ||
      !findValue(header, "fortran_order", fortran) ||
      !findValue(header, "shape", shape))
    return fail("malformed header '" + header + "'");
  if (descr.size() < 2)
    return fail("malformed dtype " + descr);
  descr = descr.substr(1, descr.size() - 2);
  out.elementType = parseDescr(descr);
  if (out.elementType == QCC_ELEMENT_TYPE_INVALID)
    return fail("unsupported dtype '" + descr +
                "' (expected a little-endian numeric or bool dtype)");
  if (fortran.find("True") != std::string::npos)
    return fail("Fortran-ordered arrays are not supported");
  out.shape.clear();
  std::string dims = shape.substr(1, shape.size() - 2);
  std::stringstream ss(dims);
  std::string item;
  while (std::getline(ss, item, ',')) {
    size_t b = item.find_first_not_of(' ');
    if (b == std::string::npos)
      continue;
    char *end = nullptr;
    long long v = std::strtoll(item.c_str() + b, &end, 10);
    if (v < 0 || (*end != '\0' && *end != ' ' && *end != 'L'))
      return fail("malformed shape " + shape);
    out.shape.push_back(v);
  }
  size_t elemSize = qcc_element_type_size(out.elementType);
  size_t count = 1;
  for (int64_t d : out.shape)
    count *= static_cast<size_t>(d);
  size_t dataStart = headerStart + headerLen;
  if (bytes.size() - dataStart != count * elemSize)
    return fail("data size " + std::to_string(bytes.size() - dataStart) +
                " bytes does not match shape " + shape + " (" +
                std::to_string(count * elemSize) + " bytes expected)");
  out.data.assign(bytes.begin() + dataStart, bytes.end());
  return true;
}

bool readFile(const std::string &path, Array &out, std::string &error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot open '" + path + "': " + std::strerror(errno);
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return parseBuffer(ss.str(), path, out, error);
}

bool writeFile(const std::string &path, qcc_element_type_t type,
               const std::vector<int64_t> &shape, const void *data,
               std::string &error) {
  std::string descr = dtypeDescr(type);
  if (descr.empty()) {
    error = "cannot write element type " +
            std::string(qcc_element_type_name(type)) + " to .npy";
    return false;
  }
  std::string dims;
  for (int64_t d : shape)
    dims += std::to_string(d) + ", ";
  if (shape.size() > 1)
    dims.resize(dims.size() - 2);
  else if (shape.size() == 1)
    dims.resize(dims.size() - 1);
  std::string header = "{'descr': '" + descr +
                       "', 'fortran_order': False, 'shape': (" + dims + "), }";
  // Pad with spaces so that the data starts on a 64-byte boundary.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  size_t count = 1;
  for (int64_t d : shape)
    count *= static_cast<size_t>(d);
  std::string tmp = path + ".tmp";
  std::ofstream os(tmp, std::ios::binary | std::ios::trunc);
  if (!os) {
    error = "cannot write '" + path + "': " + std::strerror(errno);
    return false;
  }
  os.write("\x93NUMPY\x01\x00", 8);
  char len[2] = {static_cast<char>(header.size() & 0xff),
                 static_cast<char>(header.size() >> 8)};
  os.write(len, 2);
  os << header;
  os.write(static_cast<const char *>(data),
           static_cast<std::streamsize>(count * qcc_element_type_size(type)));
  os.close();
  if (!os || std::rename(tmp.c_str(), path.c_str()) != 0) {
    error = "cannot write '" + path + "': " + std::strerror(errno);
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

} // namespace npy
} // namespace qcc
