using System.Runtime.Versioning;

// The tests run the linux-x64 Bicep CLI and POSIX shell scripts.
[assembly: SupportedOSPlatform("linux")]
