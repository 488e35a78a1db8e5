using BlipFunctions;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

// Keep start-up light (Flex allows 30 s): settings are validated here, the model loads on the first caption.
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddBlipFunctions();
builder.Build().Run();
