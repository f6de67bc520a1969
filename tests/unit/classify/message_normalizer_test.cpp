#include "classify/message_normalizer.h"

#include <catch2/catch.hpp>

namespace sdx {

TEST_CASE("normalize_message lower-cases ASCII and drops whitespace and punctuation",
          "[classify]") {
  CHECK(normalize_message("CSS system internal error.") == "csssysteminternalerror");
  CHECK(normalize_message("  Authentication\tFAILED \r\n") == "authenticationfailed");
  CHECK(normalize_message("recv() return 0") == "recvreturn0");
  CHECK(normalize_message("The number of push streams with this `StreamName` exceeds...") ==
        "thenumberofpushstreamswiththisstreamnameexceeds");
  CHECK(normalize_message("") == "");
  CHECK(normalize_message(" .,;:!?-_()[]{}\"'` \t") == "");
}

TEST_CASE("normalize_message folds full-width forms", "[classify]") {
  // Full-width letters, digits and the ideographic space (U+3000).
  CHECK(normalize_message("ＡＵＴＨ　ｆａｉｌｅｄ１２３．") == "authfailed123");
  CHECK(normalize_message("推流客户端　IP　在黑名单中") == "推流客户端ip在黑名单中");
}

TEST_CASE("normalize_message drops CJK punctuation and keeps ideographs", "[classify]") {
  CHECK(normalize_message("账号欠费，您的直播服务已被暂时关停，请及时充值") ==
        "账号欠费您的直播服务已被暂时关停请及时充值");
  CHECK(normalize_message("账号欠费,您的直播服务已被暂时关停,请及时充值。") ==
        "账号欠费您的直播服务已被暂时关停请及时充值");
  CHECK(normalize_message("【推流】“域名”《被禁用》；：！？、‘’（）") == "推流域名被禁用");
  CHECK(normalize_message("RTMP 协议内容异常") == "rtmp协议内容异常");
  // Non-breaking, zero-width and em spaces; em dash; ellipsis; BOM.
  CHECK(normalize_message("\xEF\xBB\xBF"
                          "a\xC2\xA0"
                          "b\xE2\x80\x8B"
                          "c\xE2\x80\x83"
                          "d\xE2\x80\x94"
                          "e\xE2\x80\xA6") == "abcde");
}

TEST_CASE("normalize_message drops invalid UTF-8 bytes only", "[classify]") {
  CHECK(normalize_message("ab\xFF\xFE"
                          "cd") == "abcd");
  CHECK(normalize_message("\x80\xBF"
                          "x") == "x");  // stray continuation bytes
  CHECK(normalize_message("\xE8\xB4"
                          "c") == "c");      // truncated 3-byte sequence
  CHECK(normalize_message("a\xE8") == "a");  // truncated at the end
  CHECK(normalize_message("\xC0\xAF"
                          "ok") == "ok");  // overlong '/'
  CHECK(normalize_message("\xED\xA0\x80"
                          "ok") == "ok");  // UTF-16 surrogate
  CHECK(normalize_message("\xF4\x90\x80\x80"
                          "ok") == "ok");                              // above U+10FFFF
  CHECK(normalize_message("\xE8\xB4\xA6\xFF\xE5\x8F\xB7") == "账号");  // valid around invalid
  CHECK(normalize_message("\xF0\x9F\x98\x80") == "\xF0\x9F\x98\x80");  // valid 4-byte kept
}

}  // namespace sdx
