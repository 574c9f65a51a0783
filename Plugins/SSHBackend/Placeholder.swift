import ShoalCore
