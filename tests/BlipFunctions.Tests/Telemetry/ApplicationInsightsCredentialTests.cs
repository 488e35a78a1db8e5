using Azure.Identity;
using BlipFunctions.Telemetry;

namespace BlipFunctions.Tests.Telemetry;

public sealed class ApplicationInsightsCredentialTests
{
    [Theory]
    [InlineData("ClientId=5f1c2b9e-0000-4000-8000-000000000001;Authorization=AAD")]
    [InlineData("Authorization=AAD;ClientId=5f1c2b9e-0000-4000-8000-000000000001")]
    [InlineData("Authorization=AAD")]
    [InlineData(" authorization = aad ; ")]
    public void FromSetting_EntraAuthenticationString_IsAManagedIdentityCredential(string value)
    {
        Assert.IsType<ManagedIdentityCredential>(ApplicationInsightsCredential.FromSetting(value));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void FromSetting_NoSetting_IsNoCredential(string? value)
    {
        Assert.Null(ApplicationInsightsCredential.FromSetting(value));
    }

    [Theory]
    [InlineData("ClientId=5f1c2b9e-0000-4000-8000-000000000001")]
    [InlineData("Authorization=Key")]
    [InlineData("Authorization=AAD;InstrumentationKey=abc")]
    [InlineData("AAD")]
    public void FromSetting_MalformedString_ThrowsNamingTheSetting(string value)
    {
        var error = Assert.Throws<FormatException>(() => ApplicationInsightsCredential.FromSetting(value));

        Assert.Contains(ApplicationInsightsCredential.SettingName, error.Message, StringComparison.Ordinal);
    }
}
